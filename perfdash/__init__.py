"""perfdash: the performance-management dashboard of a city education bureau.

The package is built in layers; a module imports only from its own layer or the ones below it
(tests/test_layers.py keeps it so):

    core       settings, formatting, bounded file reading, who acts, schedules, filters
    plan       reading a plan document (text, Excel template) into validated targets
    db         the database: schema, connection, the one write path, named reads
    ops        operating the system: accounts and sign-in, backups, sending messages
    workflows  what people do, each with its own writes: plan import, progress, scoring and
               scenarios, forecast, evaluation, supervision, 量化指标
    present    what people see and hand in: charts, tables, the meeting screen, exports, reports
    app        Streamlit helpers for the pages, the demo data, the benchmark

perfdash.store gathers every domain's writes into the one Store that pages and the command line
(perfdash.__main__) open.
"""
