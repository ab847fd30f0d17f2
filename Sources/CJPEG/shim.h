// libjpeg-turbo (Debian: libjpeg62-turbo-dev) for Imaging. libjpeg reports a fatal error by
// calling error_exit, which must not return: the usual handler longjmps back to the caller,
// and Swift can neither call setjmp nor be unwound through by longjmp. So every call that may
// raise an error runs inside one of the C functions below, which set the jump point, and the
// longjmp never crosses a Swift frame: it lands in the same C function, which cleans up and
// returns a status with the library's message.
#ifndef VLP_CJPEG_SHIM_H
#define VLP_CJPEG_SHIM_H

#include <setjmp.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jpeglib.h>
#include <jerror.h>

/// Results of vlp_jpeg_decode and vlp_jpeg_encode.
/// (The first five numbers are those of CPNG's vlp_png_ results.)
#define VLP_JPEG_OK 0
#define VLP_JPEG_ERROR 1      // the library stopped: message holds its text
#define VLP_JPEG_TOO_LARGE 2  // width x height exceeds max_pixels: nothing was allocated
#define VLP_JPEG_ZERO_SIZE 3
#define VLP_JPEG_NO_MEMORY 4
#define VLP_JPEG_DAMAGED 5    // decoded, but a warning said the data is damaged (truncated, ...)

typedef struct {
  struct jpeg_error_mgr manager;
  jmp_buf jump;
  int damaged;
  char message[JMSG_LENGTH_MAX];
} vlp_jpeg_errors;

static inline void vlp_jpeg_error_exit(j_common_ptr info) {
  vlp_jpeg_errors *errors = (vlp_jpeg_errors *)info->err;
  (*info->err->format_message)(info, errors->message);
  longjmp(errors->jump, 1);
}

/// Warnings (level -1) that mean pixels are missing or wrong; others (extraneous bytes between
/// markers, an unknown JFIF revision, a bad ICC profile) leave the pixels intact.
static inline void vlp_jpeg_emit_message(j_common_ptr info, int level) {
  vlp_jpeg_errors *errors = (vlp_jpeg_errors *)info->err;
  if (level >= 0) return;
  int code = info->err->msg_code;
  if (code == JWRN_JPEG_EOF || code == JWRN_HIT_MARKER || code == JWRN_HUFF_BAD_CODE ||
      code == JWRN_MUST_RESYNC || code == JWRN_NOT_SEQUENTIAL || code == JWRN_BOGUS_PROGRESSION ||
      code == JWRN_ARITH_BAD_CODE) {
    if (!errors->damaged) (*info->err->format_message)(info, errors->message);
    errors->damaged = 1;
  }
}

static inline void vlp_jpeg_install(vlp_jpeg_errors *errors) {
  jpeg_std_error(&errors->manager);
  errors->manager.error_exit = vlp_jpeg_error_exit;
  errors->manager.emit_message = vlp_jpeg_emit_message;
  errors->damaged = 0;
  errors->message[0] = 0;
}

/// Decodes a JPEG held in memory to 8-bit RGB (*pixels, malloc'ed, width x height x 3, freed by
/// the caller with free). Grayscale and YCbCr come out as RGB; CMYK and YCCK are converted here,
/// inverted first when an Adobe marker is present (Photoshop stores CMYK inverted, and every
/// CMYK JPEG with an Adobe marker is read that way by common decoders).
/// reduce_to > 0: the smallest of libjpeg's scales n/8 (n = 1...8) whose shorter side is still
/// at least reduce_to (the full size when none is). *source_width/height: the stored size.
static inline int vlp_jpeg_decode(const unsigned char *data, unsigned long size, int reduce_to,
                                  unsigned long long max_pixels, unsigned char **pixels,
                                  int *width, int *height, int *source_width,
                                  int *source_height, char *message, size_t message_size) {
  struct jpeg_decompress_struct info;
  vlp_jpeg_errors errors;
  unsigned char *volatile output = NULL;
  unsigned char *volatile row = NULL;
  int status = VLP_JPEG_OK;
  *pixels = NULL;
  info.err = &errors.manager;
  vlp_jpeg_install(&errors);
  if (setjmp(errors.jump)) {
    jpeg_destroy_decompress(&info);
    free(output);
    free(row);
    snprintf(message, message_size, "%s", errors.message);
    return errors.manager.msg_code == JERR_EMPTY_IMAGE ? VLP_JPEG_ZERO_SIZE : VLP_JPEG_ERROR;
  }
  jpeg_create_decompress(&info);
  jpeg_mem_src(&info, data, size);
  jpeg_read_header(&info, TRUE);
  *source_width = (int)info.image_width;
  *source_height = (int)info.image_height;
  if (info.image_width == 0 || info.image_height == 0) {
    jpeg_destroy_decompress(&info);
    return VLP_JPEG_ZERO_SIZE;
  }
  if ((unsigned long long)info.image_width * info.image_height > max_pixels) {
    jpeg_destroy_decompress(&info);
    return VLP_JPEG_TOO_LARGE;
  }
  int cmyk = info.jpeg_color_space == JCS_CMYK || info.jpeg_color_space == JCS_YCCK;
  int inverted = cmyk && info.saw_Adobe_marker;
  info.out_color_space = cmyk ? JCS_CMYK : JCS_RGB;
  info.scale_num = 8;
  info.scale_denom = 8;
  if (reduce_to > 0) {
    for (unsigned int n = 1; n <= 8; n++) {
      info.scale_num = n;
      jpeg_calc_output_dimensions(&info);
      unsigned int shorter =
          info.output_width < info.output_height ? info.output_width : info.output_height;
      if (shorter >= (unsigned int)reduce_to) break;
    }
  }
  jpeg_start_decompress(&info);
  size_t w = info.output_width, h = info.output_height, components = info.output_components;
  output = (unsigned char *)malloc(w * h * 3);
  row = (unsigned char *)malloc(w * components);
  if (output == NULL || row == NULL) {
    jpeg_destroy_decompress(&info);
    free(output);
    free(row);
    return VLP_JPEG_NO_MEMORY;
  }
  while (info.output_scanline < info.output_height) {
    size_t y = info.output_scanline;
    JSAMPROW rows[1] = {row};
    jpeg_read_scanlines(&info, rows, 1);
    unsigned char *target = output + y * w * 3;
    if (!cmyk) {
      memcpy(target, row, w * 3);
      continue;
    }
    for (size_t x = 0; x < w; x++) {
      unsigned int c = row[4 * x], m = row[4 * x + 1], yy = row[4 * x + 2], k = row[4 * x + 3];
      if (!inverted) { c = 255 - c; m = 255 - m; yy = 255 - yy; k = 255 - k; }
      // c, m, y, k now hold 255 - ink: red = (1 - C)(1 - K), rounded.
      target[3 * x] = (unsigned char)((c * k + 127) / 255);
      target[3 * x + 1] = (unsigned char)((m * k + 127) / 255);
      target[3 * x + 2] = (unsigned char)((yy * k + 127) / 255);
    }
  }
  jpeg_finish_decompress(&info);
  if (errors.damaged) status = VLP_JPEG_DAMAGED;
  snprintf(message, message_size, "%s", errors.message);
  *width = (int)w;
  *height = (int)h;
  jpeg_destroy_decompress(&info);
  free(row);
  *pixels = output;
  return status;
}

/// Encodes width x height samples of `components` channels in colour space `color_space`
/// (JCS_RGB, JCS_GRAYSCALE or JCS_CMYK) to a JPEG in memory (*jpeg, malloc'ed, freed by the
/// caller). progressive: jpeg_simple_progression's scan script. adobe_marker = 0 leaves out the
/// Adobe marker libjpeg writes for CMYK (a plain, non-inverted CMYK file).
static inline int vlp_jpeg_encode(const unsigned char *samples, int width, int height,
                                  int components, int color_space, int quality,
                                  int progressive, int adobe_marker, unsigned char **jpeg,
                                  unsigned long *jpeg_size, char *message,
                                  size_t message_size) {
  struct jpeg_compress_struct info;
  vlp_jpeg_errors errors;
  *jpeg = NULL;
  *jpeg_size = 0;
  info.err = &errors.manager;
  vlp_jpeg_install(&errors);
  if (setjmp(errors.jump)) {
    jpeg_destroy_compress(&info);
    free(*jpeg);
    *jpeg = NULL;
    snprintf(message, message_size, "%s", errors.message);
    return VLP_JPEG_ERROR;
  }
  jpeg_create_compress(&info);
  jpeg_mem_dest(&info, jpeg, jpeg_size);
  info.image_width = (JDIMENSION)width;
  info.image_height = (JDIMENSION)height;
  info.input_components = components;
  info.in_color_space = (J_COLOR_SPACE)color_space;
  jpeg_set_defaults(&info);
  jpeg_set_quality(&info, quality, TRUE);
  if (progressive) jpeg_simple_progression(&info);
  if (!adobe_marker) info.write_Adobe_marker = FALSE;
  jpeg_start_compress(&info, TRUE);
  size_t stride = (size_t)width * (size_t)components;
  while (info.next_scanline < info.image_height) {
    JSAMPROW rows[1] = {(JSAMPROW)(samples + info.next_scanline * stride)};
    jpeg_write_scanlines(&info, rows, 1);
  }
  jpeg_finish_compress(&info);
  jpeg_destroy_compress(&info);
  return VLP_JPEG_OK;
}

static inline int vlp_jpeg_rgb(void) { return JCS_RGB; }
static inline int vlp_jpeg_grayscale(void) { return JCS_GRAYSCALE; }
static inline int vlp_jpeg_cmyk(void) { return JCS_CMYK; }

#endif
