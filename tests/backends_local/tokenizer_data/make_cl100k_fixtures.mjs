// Writes the byte-level BPE fixtures the tokenizer tests compare against (see README.md here):
//   cl100k_corpus.jsonl  one document per line: {"text", "llama3": ids, "qwen2": ids, "pieces": [...]}
//                        ids from js-tiktoken cl100k_base (llama3) and from the same ranks with the
//                        qwen2 pattern (single digits); pieces = the llama3 pattern's matches.
//   cl100k_subset.tiktoken  "base64 rank" for every cl100k token that is a substring of some
//                        pre-token of the corpus (under either pattern), plus all 256 bytes. Rank
//                        BPE on a piece only ever looks at the piece's substrings, so this subset
//                        encodes the corpus exactly as the full 100k vocabulary does.
// Run through make_cl100k_fixtures.sh (installs js-tiktoken@1.0.21 in a temp dir).
import { Tiktoken } from "js-tiktoken/lite";
import cl100k from "js-tiktoken/ranks/cl100k_base";
import { writeFileSync } from "node:fs";
import { join } from "node:path";

const outDir = process.argv[2];
const qwen2Pattern = cl100k.pat_str.replace("\\p{N}{1,3}", "\\p{N}");
if (qwen2Pattern === cl100k.pat_str) throw new Error("digit rule not found in pat_str");
const llama3 = new Tiktoken(cl100k);
const qwen2 = new Tiktoken({ ...cl100k, pat_str: qwen2Pattern });

// mulberry32: a fixed-seed PRNG so the corpus never changes.
let seed = 20240601;
function random() {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const pick = (list) => list[Math.floor(random() * list.length)];
const int = (lo, hi) => lo + Math.floor(random() * (hi - lo + 1));

const fixed = [
  "Hello, world! This is a test of the tokenizer.",
  "I'm sure you're right; we'll see what they've done. It's John's, isn't it? I'd go.",
  "I'M SURE YOU'RE RIGHT; WE'LL SEE WHAT THEY'VE DONE. IT'S JOHN'S. I'D GO. 'S 'T 'Re 'rE 'lL",
  "don't  won't\tcan't\n'tis 'twas 'x 'ss ''s",
  "Typographic apostrophe: don’t you’re — “quoted” ‘single’ …",
  "int main() {\n    std::vector<int> v{1, 2, 3};\n    return v.size() > 2 ? 0 : 1;\n}\n",
  "def f(x):\n\tif x % 2 == 0:\n\t\treturn x // 2\n\treturn 3 * x + 1\n",
  '{"key": "value", "list": [1, 22, 333, 4444, 55555], "nested": {"a": null}}',
  "https://example.com/path/to/page?query=1&other=two#frag",
  "Numbers: 0 12 123 1234 12345 123456 1234567 3.14159 -42 1,000,000 1e10 0x1F",
  "Fullwidth ２０２４年 and Arabic-Indic ١٢٣٤٥ and Devanagari ०१२३४ digits",
  "Roman Ⅻ Ⅷ, superscripts x² y³, fractions ½ ¾, circled ① ② ⑳",
  "中文文本测试：你好，世界！今天天气很好。",
  "日本語のテキスト：こんにちは、世界。カタカナとひらがな。",
  "한국어 텍스트: 안녕하세요, 세계!",
  "Русский текст: Привет, мир! Ёжик в тумане.",
  "Ελληνικά: Γειά σου Κόσμε! αβγδε ΑΒΓΔΕ",
  "עברית: שלום עולם",
  "العربية: مرحبا بالعالم",
  "हिन्दी: नमस्ते दुनिया",
  "ไทย: สวัสดีชาวโลก",
  "Emoji: 👍 👍🏽 👨‍👩‍👧‍👦 🇫🇷🇯🇵 ❤️ 🤖🚀✨ 😀😃😄",
  "Accents: café naïve résumé Zürich São Paulo Ångström œuvre",
  "Combining: e\u0301 a\u0308 n\u0303 (decomposed) vs é ä ñ (precomposed)",
  "Whitespace   runs\t\t\tand   \n\n\n   newlines \r\n windows\r\n\r\nend   ",
  "   leading spaces and trailing spaces   ",
  "\n\nstarts with newlines",
  "no-break\u00a0space, ideographic\u3000space, em\u2003space, thin\u2009space",
  "Math: ∀x ∈ ℝ, ∃y: x² + y² ≤ 1 ⇒ ∫₀¹ f(x) dx ≈ π/4 ± ε",
  "Box: ┌──┬──┐ │ab│cd│ └──┴──┘ ▁▂▃▄▅▆▇█",
  "Punctuation!!! ??? ... --- *** ### @@@ $$$ %%% ^^^ &&& (((()))) [[]] {{}}",
  "Mixed123abc456DEF789 a1b2c3 1a2b3c abc123 123abc",
  "<|endoftext|> is not special here <|im_start|> <|eot_id|>",
  "tab\tseparated\tvalues\t1\t22\t333",
  "CamelCaseIdentifiers and snake_case_identifiers and kebab-case-ids",
  "Zero\u200bwidth\u200bspace and soft\u00adhyphen and word\u2060joiner",
  "Line one.\nLine two.\n\nParagraph two.\n",
  " ",
  "\t",
  "\n",
  "a",
  "'",
  "''",
  "1",
  "12345678901234567890",
];

const words = ["the", "of", "and", "tokenizer", "byte", "pair", "encoding", "Llama", "Qwen", "Hello",
  "WORLD", "mIxEd", "naïve", "straße", "émigré", "über", "日本", "東京", "中文", "한국", "Москва",
  "λόγος", "שלום", "مرحبا", "नमस्ते", "x", "I", "a", "supercalifragilisticexpialidocious"];
const contractions = ["'s", "'t", "'re", "'ve", "'m", "'ll", "'d", "'S", "'T", "'RE", "'Ve", "'M",
  "'LL", "'D", "'x", "'"];
const punct = [".", ",", "!", "?", ";", ":", "-", "--", "...", "(", ")", "[", "]", "{", "}", "\"", "'",
  "/", "\\", "#", "$", "%", "&", "*", "+", "=", "<", ">", "|", "~", "`", "^", "_", "@", "—", "…", "«", "»",
  "©", "®", "°", "€", "£", "¥"];
const spaces = [" ", " ", " ", "  ", "   ", "\t", "\n", "\n\n", "\r\n", " \n", "\n ", "\u00a0", "\u3000",
  "\u2003", "    ", "\t\t", " \t ", "\r", "\f", "\v"];
const ranges = [[0x20, 0x7e], [0xa1, 0xff], [0x100, 0x17e], [0x391, 0x3c9], [0x410, 0x44f], [0x5d0, 0x5ea],
  [0x627, 0x64a], [0x905, 0x939], [0xe01, 0xe2e], [0x3041, 0x3093], [0x30a1, 0x30f6], [0x4e00, 0x4fff],
  [0xac00, 0xad00], [0x1f300, 0x1f64f], [0x1f680, 0x1f6c5], [0x2200, 0x22ff], [0x2500, 0x257f],
  [0x2070, 0x2079], [0x2160, 0x2188], [0xff10, 0xff19], [0x0300, 0x036f]];

function randomAtom() {
  switch (int(0, 9)) {
    case 0: case 1: case 2: return pick(words);
    case 3: return pick(contractions);
    case 4: return String(int(0, 10 ** int(1, 8)));
    case 5: return Array.from({ length: int(1, 3) }, () => pick(punct)).join("");
    case 6: case 7: return pick(spaces);
    default: {
      const [lo, hi] = pick(ranges);
      return Array.from({ length: int(1, 4) }, () => String.fromCodePoint(int(lo, hi))).join("");
    }
  }
}

const texts = [...fixed];
for (let i = 0; i < 400; ++i) {
  let text = "";
  const atoms = int(1, 40);
  for (let k = 0; k < atoms; ++k) text += randomAtom();
  texts.push(text);
}

const utf8 = new TextEncoder();
const neededBytes = new Set();  // keys "b1,b2,..." of every substring of every piece
function notePieces(text, pattern) {
  for (const m of text.matchAll(new RegExp(pattern, "ug"))) {
    const bytes = utf8.encode(m[0]);
    for (let i = 0; i < bytes.length; ++i)
      for (let j = i + 1; j <= bytes.length; ++j) neededBytes.add(bytes.slice(i, j).join(","));
  }
}

const lines = [];
for (const text of texts) {
  notePieces(text, cl100k.pat_str);
  notePieces(text, qwen2Pattern);
  const pieces = [...text.matchAll(new RegExp(cl100k.pat_str, "ug"))].map((m) => m[0]);
  lines.push(JSON.stringify({ text, llama3: llama3.encode(text, [], []), qwen2: qwen2.encode(text, [], []), pieces }));
}
writeFileSync(join(outDir, "cl100k_corpus.jsonl"), lines.join("\n") + "\n");

const subset = [];
for (const [key, rank] of llama3.rankMap) {
  const bytes = key.split(",").map(Number);
  if (bytes.length === 1 || neededBytes.has(key)) subset.push([rank, Buffer.from(bytes).toString("base64")]);
}
subset.sort((a, b) => a[0] - b[0]);
writeFileSync(join(outDir, "cl100k_subset.tiktoken"), subset.map(([r, b]) => `${b} ${r}`).join("\n") + "\n");
console.log(`${texts.length} texts, ${subset.length} of ${llama3.rankMap.size} ranks`);
