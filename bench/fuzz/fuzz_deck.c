/* fuzz_deck.c - libFuzzer harness: the deck parser on arbitrary text, then the
 * steps `a2d check` takes (defaults, canonical text, stage configs). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "a2d/deck.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char *text = malloc(size + 1), *out = NULL;
  if (!text) return 0;
  memcpy(text, data, size);
  text[size] = '\0';
  a2d_deck *deck = NULL;
  if (a2d_deck_parse("fuzz.ini", text, &deck) == A2D_OK && a2d_deck_finish(deck) == A2D_OK) {
    if (a2d_deck_format(deck, 1, &out) == A2D_OK) free(out);
    if (a2d_deck_stage_config(deck, "unlearn", &out) == A2D_OK) free(out);
  }
  a2d_deck_free(&deck);
  a2d_error_clear();
  free(text);
  return 0;
}
