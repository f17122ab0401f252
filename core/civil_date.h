// Civil (proleptic Gregorian) dates as day numbers, for timestamps in UTC
// without the C library's time zone state. Pure, thread-safe.
#pragma once

#include <cstdint>

namespace kbseek::core {

// Days since 1970-01-01 of year y, month m (1-12), day d (1-31); negative
// before 1970 (H. Hinnant's days_from_civil). No range checks.
inline int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

// The year of day z (days since 1970-01-01; H. Hinnant's civil_from_days).
inline int64_t year_from_days(int64_t z) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  return static_cast<int64_t>(yoe) + era * 400 + (mp >= 10 ? 1 : 0);
}

// Days in month m (1-12) of year y.
inline int days_in_month(int64_t y, unsigned m) {
  static const int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return kDays[m - 1] + (m == 2 && leap ? 1 : 0);
}

}  // namespace kbseek::core
