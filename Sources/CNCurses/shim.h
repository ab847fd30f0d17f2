// ncurses for TUICurses, plus static inline wrappers for what Swift cannot
// call directly (macros such as stdscr, getmaxyx, COLOR_PAIR). More wrappers arrive with TUICurses.
#ifndef VLP_CNCURSES_SHIM_H
#define VLP_CNCURSES_SHIM_H

#define _XOPEN_SOURCE_EXTENDED 1
#define NCURSES_WIDECHAR 1
#include <ncursesw/curses.h>
#include <langinfo.h>
#include <locale.h>
#include <stdio.h>
#include <wchar.h>

/// The ncurses version string of the library actually linked at run time, e.g. "ncurses 6.4.20221231".
static inline const char *vlp_curses_version(void) { return curses_version(); }

static inline WINDOW *vlp_stdscr(void) { return stdscr; }
static inline int vlp_color_pair(int n) { return COLOR_PAIR(n); }
static inline void vlp_getmaxyx(WINDOW *w, int *rows, int *cols) {
  int y, x;
  getmaxyx(w, y, x);
  *rows = y;
  *cols = x;
}

/// Line-buffers standard output, so that progress lines reach a log file or pipe as they are
/// printed (Swift 6 cannot name C's global `stdout` outside a C function).
static inline void vlp_line_buffer_stdout(void) { setvbuf(stdout, NULL, _IOLBF, 0); }

// ---- TUICurses: terminal session, drawing and input ----

/// Starts curses on the process's stdout and stdin with terminal description `type` (NULL: $TERM).
/// Unlike initscr, returns NULL instead of exiting when the terminal is unknown.
static inline SCREEN *vlp_newterm(const char *type) { return newterm(type, stdout, stdin); }

static inline int vlp_colors(void) { return COLORS; }
static inline int vlp_color_pairs(void) { return COLOR_PAIRS; }

/// The locale's character set after setlocale, e.g. "UTF-8" or "ANSI_X3.4-1968".
static inline const char *vlp_codeset(void) { return nl_langinfo(CODESET); }

/// A terminfo string capability (e.g. "rmcup"), or NULL where the terminal has none.
static inline const char *vlp_terminfo_string(const char *name) {
  char *value = tigetstr(name);
  return (value == NULL || value == (char *)-1) ? NULL : value;
}

/// Attribute bits as TUI's TextAttributes numbers them: 1 bold, 2 dim, 4 reverse, 8 underline.
static inline attr_t vlp_attributes(int style) {
  attr_t attributes = A_NORMAL;
  if (style & 1) attributes |= A_BOLD;
  if (style & 2) attributes |= A_DIM;
  if (style & 4) attributes |= A_REVERSE;
  if (style & 8) attributes |= A_UNDERLINE;
  return attributes;
}

/// Writes one character (any Unicode scalar; a wide one covers two cells) with attributes and a
/// colour pair, which may exceed a short: ncurses takes extended pairs through setcchar's opts.
static inline int vlp_put_cell(WINDOW *w, int y, int x, unsigned int scalar, int style, int pair) {
  wchar_t text[2] = {(wchar_t)scalar, 0};
  cchar_t cell;
  if (setcchar(&cell, text, vlp_attributes(style), 0, &pair) != OK) return ERR;
  return mvwadd_wch(w, y, x, &cell);
}

/// Reads one key: 0 when the input timeout passed, 1 for a character, 2 for a key code
/// (KEY_UP, KEY_RESIZE, ...); the value goes to *code.
static inline int vlp_read_key(WINDOW *w, int *code) {
  wint_t value = 0;
  int result = wget_wch(w, &value);
  if (result == ERR) return 0;
  *code = (int)value;
  return result == KEY_CODE_YES ? 2 : 1;
}

static inline int vlp_key_f0(void) { return KEY_F0; }

#endif
