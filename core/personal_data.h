// Masks what identifies a person in text that is about to be logged (a
// query in the access log): e-mail addresses become "<email>", and runs of
// 7 or more digits, the way phone numbers, ID card numbers, bank cards and
// account numbers are written (digits with single spaces, '-', '.', '/'
// or parentheses between them, a leading '+'; an ID card's final X),
// become "<number>". Dates (2024-03-01, 2024/3/1, 2024.03.01), times and
// shorter numbers (a year, "12 characters", "CUDA 11.6") stay. Byte-exact
// elsewhere: UTF-8 text around a match is untouched. Pure, thread-safe.
//
// A rule, not a detector: a number of 7+ digits that is not personal (an
// order id, a large amount written without separators) is masked too; a
// name is not. Written for what people type into a search box, measured by
// the cases in tests/core/personal_data_test.cc.
#pragma once

#include <string>
#include <string_view>

namespace kbseek::core {

std::string mask_personal_data(std::string_view text);

}  // namespace kbseek::core
