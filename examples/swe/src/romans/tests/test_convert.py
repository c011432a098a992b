import unittest

from romans import MAX_VALUE, from_roman, to_roman


class ToRomanTest(unittest.TestCase):
    def test_additive_forms(self):
        self.assertEqual(to_roman(1), "I")
        self.assertEqual(to_roman(3), "III")
        self.assertEqual(to_roman(2023), "MMXXIII")

    def test_rejects_zero(self):
        with self.assertRaises(ValueError):
            to_roman(0)

    def test_rejects_too_large(self):
        with self.assertRaises(ValueError):
            to_roman(MAX_VALUE + 1)

    def test_rejects_non_int(self):
        with self.assertRaises(TypeError):
            to_roman("12")


class FromRomanTest(unittest.TestCase):
    def test_subtractive_forms(self):
        self.assertEqual(from_roman("IV"), 4)
        self.assertEqual(from_roman("MCMXCIV"), 1994)

    def test_lower_case(self):
        self.assertEqual(from_roman("xiv"), 14)

    def test_rejects_garbage(self):
        with self.assertRaises(ValueError):
            from_roman("ABC")


if __name__ == "__main__":
    unittest.main()
