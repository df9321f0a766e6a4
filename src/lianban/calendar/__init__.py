"""The calendar room: 工作日 arithmetic and 法定退休年龄.

Owns every date computation that depends on Chinese law rather than on plain arithmetic:

- :mod:`lianban.calendar.working_days` — whether a date is a 工作日 (法定节假日 and 调休 from
  chinesecalendar, the shipped holiday data file, or a provisional calendar from
  《全国年节及纪念日放假办法》) and due dates of time limits counted in working days;
- :mod:`lianban.calendar.retirement` — 法定退休年龄 under the 2024 decision on gradually raising
  the retirement age, and the start of 法定劳动年龄 (16周岁).
"""

from lianban.calendar.retirement import (
    RetirementAge,
    RetirementCategory,
    retirement,
    working_age_start,
)
from lianban.calendar.working_days import (
    CHINA_TZ,
    BeyondCalendar,
    DayInfo,
    DueDate,
    HolidayDataError,
    WorkingCalendar,
    china_date,
    day_info,
    due_date,
    is_working_day,
    load_holiday_data,
    working_days_between,
)

__all__ = [
    "CHINA_TZ",
    "BeyondCalendar",
    "DayInfo",
    "DueDate",
    "HolidayDataError",
    "RetirementAge",
    "RetirementCategory",
    "WorkingCalendar",
    "china_date",
    "day_info",
    "due_date",
    "is_working_day",
    "load_holiday_data",
    "retirement",
    "working_age_start",
    "working_days_between",
]
