// libpng 1.6 (Debian: libpng-dev) for Imaging, through its simplified API (png_image), which
// reports errors by return value and message, never by longjmp into the caller: Swift can
// call it directly. The wrappers below only name macros that Swift does not import and keep
// the read and write sequences in one place.
#ifndef VLP_CPNG_SHIM_H
#define VLP_CPNG_SHIM_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <png.h>

static const unsigned int VLP_PNG_FORMAT_GRAY = PNG_FORMAT_GRAY;
static const unsigned int VLP_PNG_FORMAT_RGB = PNG_FORMAT_RGB;
static const unsigned int VLP_PNG_FORMAT_RGBA = PNG_FORMAT_RGBA;
static const unsigned int VLP_PNG_FORMAT_LINEAR_RGB = PNG_FORMAT_LINEAR_RGB;
static const unsigned int VLP_PNG_FORMAT_RGB_COLORMAP = PNG_FORMAT_RGB_COLORMAP;

/// Results of vlp_png_decode and vlp_png_encode.
#define VLP_PNG_OK 0
#define VLP_PNG_ERROR 1      // libpng stopped: message holds its text
#define VLP_PNG_TOO_LARGE 2  // width x height exceeds max_pixels: nothing was allocated
#define VLP_PNG_ZERO_SIZE 3
#define VLP_PNG_NO_MEMORY 4

/// Decodes a PNG held in memory to 8-bit sRGB RGBA, not premultiplied (*pixels, malloc'ed,
/// width x height x 4, freed by the caller). Any bit depth, grayscale, palette and alpha;
/// a 16-bit image without gamma information is taken as sRGB, as such files almost always are.
static inline int vlp_png_decode(const void *data, size_t size, unsigned long long max_pixels,
                                 unsigned char **pixels, int *width, int *height,
                                 char *message, size_t message_size) {
  png_image image;
  memset(&image, 0, sizeof image);
  image.version = PNG_IMAGE_VERSION;
  *pixels = NULL;
  if (!png_image_begin_read_from_memory(&image, data, size)) {
    snprintf(message, message_size, "%s", image.message);
    return VLP_PNG_ERROR;
  }
  *width = (int)image.width;
  *height = (int)image.height;
  if (image.width == 0 || image.height == 0) {
    png_image_free(&image);
    return VLP_PNG_ZERO_SIZE;
  }
  if ((unsigned long long)image.width * image.height > max_pixels) {
    png_image_free(&image);
    return VLP_PNG_TOO_LARGE;
  }
  image.flags |= PNG_IMAGE_FLAG_16BIT_sRGB;
  image.format = PNG_FORMAT_RGBA;
  unsigned char *buffer = (unsigned char *)malloc(PNG_IMAGE_SIZE(image));
  if (buffer == NULL) {
    png_image_free(&image);
    return VLP_PNG_NO_MEMORY;
  }
  if (!png_image_finish_read(&image, NULL, buffer, 0, NULL)) {
    snprintf(message, message_size, "%s", image.message);
    free(buffer);
    png_image_free(&image);
    return VLP_PNG_ERROR;
  }
  *pixels = buffer;
  return VLP_PNG_OK;
}

/// Encodes width x height pixels in `format` (one of the VLP_PNG_FORMAT_ constants; 16-bit
/// linear samples for VLP_PNG_FORMAT_LINEAR_RGB, which libpng writes as a 16-bit PNG) to a
/// PNG in memory (*png, malloc'ed, freed by the caller). colormap: `colors` RGB entries for
/// VLP_PNG_FORMAT_RGB_COLORMAP (pixels are then indices), else NULL.
static inline int vlp_png_encode(const void *pixels, int width, int height, unsigned int format,
                                 const unsigned char *colormap, int colors, void **png,
                                 size_t *png_size, char *message, size_t message_size) {
  png_image image;
  memset(&image, 0, sizeof image);
  image.version = PNG_IMAGE_VERSION;
  image.width = (png_uint_32)width;
  image.height = (png_uint_32)height;
  image.format = format;
  image.colormap_entries = (png_uint_32)colors;
  *png = NULL;
  size_t size = 0;
  if (!png_image_write_to_memory(&image, NULL, &size, 0, pixels, 0, colormap)) {
    snprintf(message, message_size, "%s", image.message);
    return VLP_PNG_ERROR;
  }
  void *buffer = malloc(size);
  if (buffer == NULL) return VLP_PNG_NO_MEMORY;
  if (!png_image_write_to_memory(&image, buffer, &size, 0, pixels, 0, colormap)) {
    snprintf(message, message_size, "%s", image.message);
    free(buffer);
    return VLP_PNG_ERROR;
  }
  *png = buffer;
  *png_size = size;
  return VLP_PNG_OK;
}

#endif
