"""BERT's WordPiece tokenizer as vlp runs it (Sources/VLP/Data/BERTBasicTokenizer.swift,
WordPiece.swift, Tokenizer.swift): HuggingFace's `BertTokenizer(do_lower_case=True)` rules over
the session's vocab.txt, which `vlp export --pytorch` writes beside config.json. Special tokens
are cut out of the text wherever they stand and kept whole; the rest is cleaned, CJK ideographs
split, NFC-normalised, split on white space, lower-cased, stripped of accents and split on
punctuation; each word then becomes its longest pieces, `##` marking a continuation.
"""

import unicodedata

SPECIAL_TOKENS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
UNKNOWN = "[UNK]"
MAXIMUM_WORD_LENGTH = 100


def read_vocabulary(path):
    """vocab.txt: one token a line, the line number its id."""
    try:
        with open(path, encoding="utf-8") as f:
            return [line.rstrip("\n") for line in f]
    except FileNotFoundError:
        raise SystemExit(f"{path}: missing: run `vlp export SESSION --pytorch DIR` again")


class WordPieceTokenizer:
    def __init__(self, tokens):
        self.tokens = tokens
        self.ids = {}
        for index, token in enumerate(tokens):
            self.ids.setdefault(token, index)
        self.unknown_id = self.ids.get(UNKNOWN, 0)

    def continues_word(self):
        """vlp's Vocabulary.continuesWord per id: a `##` piece longer than `##`."""
        return [token.startswith("##") and len(token) > 2 for token in self.tokens]

    def tokenize(self, text):
        pieces = []
        for word in basic_tokens(text):
            pieces += [word] if word in SPECIAL_TOKENS else self.word_pieces(word)
        return pieces

    def encode(self, text):
        return [self.ids.get(piece, self.unknown_id) for piece in self.tokenize(text)]

    def word_pieces(self, word):
        """Greedy longest match first; a word with no full split (or over 100 code points) is [UNK]."""
        if len(word) > MAXIMUM_WORD_LENGTH:
            return [UNKNOWN]
        pieces, start = [], 0
        while start < len(word):
            end, match = len(word), None
            while start < end:
                piece = ("##" if start > 0 else "") + word[start:end]
                if piece in self.ids:
                    match = piece
                    break
                end -= 1
            if match is None:
                return [UNKNOWN]
            pieces.append(match)
            start = end
        return pieces


def basic_tokens(text):
    tokens = []
    for chunk, special in split_special_tokens(text):
        tokens += [chunk] if special else split_words(chunk)
    return tokens


def split_special_tokens(text):
    """The text cut around every special token (leftmost first, the longest at a position)."""
    patterns = sorted(SPECIAL_TOKENS, key=len, reverse=True)
    chunks, start, position = [], 0, 0
    while position < len(text):
        match = next((p for p in patterns if text.startswith(p, position)), None)
        if match is None:
            position += 1
            continue
        if start < position:
            chunks.append((text[start:position], False))
        chunks.append((match, True))
        position += len(match)
        start = position
    if start < len(text):
        chunks.append((text[start:], False))
    return chunks


def split_words(text):
    cleaned = []
    for c in text:
        if ord(c) == 0 or ord(c) == 0xFFFD or is_control(c):
            continue
        if is_whitespace(c):
            cleaned.append(" ")
        elif is_cjk(c):
            cleaned += [" ", c, " "]
        else:
            cleaned.append(c)
    tokens = []
    for word in unicodedata.normalize("NFC", "".join(cleaned)).split():
        if word in SPECIAL_TOKENS:
            tokens.append(word)
            continue
        word = "".join(c for c in unicodedata.normalize("NFD", word.lower())
                       if unicodedata.category(c) != "Mn")
        current = ""
        for c in word:
            if is_punctuation(c):
                if current:
                    tokens.append(current)
                current = ""
                tokens.append(c)
            else:
                current += c
        if current:
            tokens.append(current)
    return tokens


def is_whitespace(c):
    return c in " \t\n\r" or unicodedata.category(c) == "Zs"


def is_control(c):
    return c not in "\t\n\r" and unicodedata.category(c).startswith("C")


def is_punctuation(c):
    code = ord(c)
    if 33 <= code <= 47 or 58 <= code <= 64 or 91 <= code <= 96 or 123 <= code <= 126:
        return True
    return unicodedata.category(c).startswith("P")


def is_cjk(c):
    code = ord(c)
    return any(low <= code <= high for low, high in (
        (0x4E00, 0x9FFF), (0x3400, 0x4DBF), (0x20000, 0x2A6DF), (0x2A700, 0x2B73F),
        (0x2B740, 0x2B81F), (0x2B820, 0x2CEAF), (0xF900, 0xFAFF), (0x2F800, 0x2FA1F)))
