"""What people see and hand in: charts, display tables, the meeting screen's data and HTML, Excel
exports and the Word report. Reads through workflows and db; writes nothing."""
