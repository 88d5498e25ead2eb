"""What people do, each workflow with its own writes beside its rules: plan import (plans), progress,
scoring rules and scenarios, the forecast, the year-end evaluation, supervision (督办) and 量化指标
(kpi_review). Imports core, plan, db and ops."""
