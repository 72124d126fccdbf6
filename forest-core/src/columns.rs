//! Column types of the sibling layout: enums of exactly `2^k` values, so
//! that reading a key row of `2^k` entries at a column needs no bounds check
//! and no mask (the compiler knows the value range of an enum).
//!
//! The variants are written out (a declarative macro cannot count); `u8` is
//! the column type for 129 to 256 features.

macro_rules! column_enum {
    ($name:ident, $width:expr, $doc:expr, [$($v:ident = $n:expr),* $(,)?]) => {
        #[doc = $doc]
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[repr(u8)]
        #[allow(missing_docs)]
        pub enum $name {
            $($v = $n),*
        }

        impl crate::sibling::sealed::Sealed for $name {}

        impl crate::sibling::Column for $name {
            const WIDTH: usize = $width;
            #[inline(always)]
            fn index(self) -> usize {
                self as usize
            }
        }
    };
}

column_enum!(
    Column2,
    2,
    "A column of a model with at most 2 features (`C0` to `C1`).",
    [C0 = 0, C1 = 1]
);

column_enum!(
    Column4,
    4,
    "A column of a model with at most 4 features (`C0` to `C3`).",
    [C0 = 0, C1 = 1, C2 = 2, C3 = 3]
);

column_enum!(
    Column8,
    8,
    "A column of a model with at most 8 features (`C0` to `C7`).",
    [
        C0 = 0,
        C1 = 1,
        C2 = 2,
        C3 = 3,
        C4 = 4,
        C5 = 5,
        C6 = 6,
        C7 = 7
    ]
);

column_enum!(
    Column16,
    16,
    "A column of a model with at most 16 features (`C0` to `C15`).",
    [
        C0 = 0,
        C1 = 1,
        C2 = 2,
        C3 = 3,
        C4 = 4,
        C5 = 5,
        C6 = 6,
        C7 = 7,
        C8 = 8,
        C9 = 9,
        C10 = 10,
        C11 = 11,
        C12 = 12,
        C13 = 13,
        C14 = 14,
        C15 = 15
    ]
);

column_enum!(
    Column32,
    32,
    "A column of a model with at most 32 features (`C0` to `C31`).",
    [
        C0 = 0,
        C1 = 1,
        C2 = 2,
        C3 = 3,
        C4 = 4,
        C5 = 5,
        C6 = 6,
        C7 = 7,
        C8 = 8,
        C9 = 9,
        C10 = 10,
        C11 = 11,
        C12 = 12,
        C13 = 13,
        C14 = 14,
        C15 = 15,
        C16 = 16,
        C17 = 17,
        C18 = 18,
        C19 = 19,
        C20 = 20,
        C21 = 21,
        C22 = 22,
        C23 = 23,
        C24 = 24,
        C25 = 25,
        C26 = 26,
        C27 = 27,
        C28 = 28,
        C29 = 29,
        C30 = 30,
        C31 = 31
    ]
);

column_enum!(
    Column64,
    64,
    "A column of a model with at most 64 features (`C0` to `C63`).",
    [
        C0 = 0,
        C1 = 1,
        C2 = 2,
        C3 = 3,
        C4 = 4,
        C5 = 5,
        C6 = 6,
        C7 = 7,
        C8 = 8,
        C9 = 9,
        C10 = 10,
        C11 = 11,
        C12 = 12,
        C13 = 13,
        C14 = 14,
        C15 = 15,
        C16 = 16,
        C17 = 17,
        C18 = 18,
        C19 = 19,
        C20 = 20,
        C21 = 21,
        C22 = 22,
        C23 = 23,
        C24 = 24,
        C25 = 25,
        C26 = 26,
        C27 = 27,
        C28 = 28,
        C29 = 29,
        C30 = 30,
        C31 = 31,
        C32 = 32,
        C33 = 33,
        C34 = 34,
        C35 = 35,
        C36 = 36,
        C37 = 37,
        C38 = 38,
        C39 = 39,
        C40 = 40,
        C41 = 41,
        C42 = 42,
        C43 = 43,
        C44 = 44,
        C45 = 45,
        C46 = 46,
        C47 = 47,
        C48 = 48,
        C49 = 49,
        C50 = 50,
        C51 = 51,
        C52 = 52,
        C53 = 53,
        C54 = 54,
        C55 = 55,
        C56 = 56,
        C57 = 57,
        C58 = 58,
        C59 = 59,
        C60 = 60,
        C61 = 61,
        C62 = 62,
        C63 = 63
    ]
);

column_enum!(
    Column128,
    128,
    "A column of a model with at most 128 features (`C0` to `C127`).",
    [
        C0 = 0,
        C1 = 1,
        C2 = 2,
        C3 = 3,
        C4 = 4,
        C5 = 5,
        C6 = 6,
        C7 = 7,
        C8 = 8,
        C9 = 9,
        C10 = 10,
        C11 = 11,
        C12 = 12,
        C13 = 13,
        C14 = 14,
        C15 = 15,
        C16 = 16,
        C17 = 17,
        C18 = 18,
        C19 = 19,
        C20 = 20,
        C21 = 21,
        C22 = 22,
        C23 = 23,
        C24 = 24,
        C25 = 25,
        C26 = 26,
        C27 = 27,
        C28 = 28,
        C29 = 29,
        C30 = 30,
        C31 = 31,
        C32 = 32,
        C33 = 33,
        C34 = 34,
        C35 = 35,
        C36 = 36,
        C37 = 37,
        C38 = 38,
        C39 = 39,
        C40 = 40,
        C41 = 41,
        C42 = 42,
        C43 = 43,
        C44 = 44,
        C45 = 45,
        C46 = 46,
        C47 = 47,
        C48 = 48,
        C49 = 49,
        C50 = 50,
        C51 = 51,
        C52 = 52,
        C53 = 53,
        C54 = 54,
        C55 = 55,
        C56 = 56,
        C57 = 57,
        C58 = 58,
        C59 = 59,
        C60 = 60,
        C61 = 61,
        C62 = 62,
        C63 = 63,
        C64 = 64,
        C65 = 65,
        C66 = 66,
        C67 = 67,
        C68 = 68,
        C69 = 69,
        C70 = 70,
        C71 = 71,
        C72 = 72,
        C73 = 73,
        C74 = 74,
        C75 = 75,
        C76 = 76,
        C77 = 77,
        C78 = 78,
        C79 = 79,
        C80 = 80,
        C81 = 81,
        C82 = 82,
        C83 = 83,
        C84 = 84,
        C85 = 85,
        C86 = 86,
        C87 = 87,
        C88 = 88,
        C89 = 89,
        C90 = 90,
        C91 = 91,
        C92 = 92,
        C93 = 93,
        C94 = 94,
        C95 = 95,
        C96 = 96,
        C97 = 97,
        C98 = 98,
        C99 = 99,
        C100 = 100,
        C101 = 101,
        C102 = 102,
        C103 = 103,
        C104 = 104,
        C105 = 105,
        C106 = 106,
        C107 = 107,
        C108 = 108,
        C109 = 109,
        C110 = 110,
        C111 = 111,
        C112 = 112,
        C113 = 113,
        C114 = 114,
        C115 = 115,
        C116 = 116,
        C117 = 117,
        C118 = 118,
        C119 = 119,
        C120 = 120,
        C121 = 121,
        C122 = 122,
        C123 = 123,
        C124 = 124,
        C125 = 125,
        C126 = 126,
        C127 = 127
    ]
);
