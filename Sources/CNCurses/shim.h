// The only C in VLP Workbench: ncurses, plus static inline wrappers for what Swift cannot
// call directly (macros such as stdscr, getmaxyx, COLOR_PAIR). More wrappers arrive with TUICurses.
#ifndef VLP_CNCURSES_SHIM_H
#define VLP_CNCURSES_SHIM_H

#define _XOPEN_SOURCE_EXTENDED 1
#define NCURSES_WIDECHAR 1
#include <ncursesw/curses.h>
#include <locale.h>
#include <stdio.h>

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

#endif
