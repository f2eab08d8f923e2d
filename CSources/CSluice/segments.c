/*
 * segments.c — a message of segments (sluice.h, "Deferred formatting")
 * rendered: integers and short decimals here, other floating-point values
 * through the facade's formatters, text escaped within its bound. The C twin
 * of the facade's SegmentBuffer.swift; fields.c renders what follows the message.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "atomics.h"
#include "formats.h"
#include "render.h"
#include "sluice.h"

static sluice_double_formatter double_formatter;
static sluice_float_formatter float_formatter;

void sluice_float_formatters(sluice_double_formatter *format_double, sluice_float_formatter *format_float)
{
    *format_double = load_acquire(&double_formatter);
    *format_float = load_acquire(&float_formatter);
}

void sluice_set_float_formatters(sluice_double_formatter format_double, sluice_float_formatter format_float)
{
    store_release(&double_formatter, format_double);
    store_release(&float_formatter, format_float);
}

/* Decimal digits of value, written backwards ending at end; returns the start. */
static char *put_decimal(char *end, uint64_t value)
{
    while (value >= 100) {
        end -= 2;
        memcpy(end, &render_digit_pairs[2 * (value % 100)], 2);
        value /= 100;
    }
    if (value >= 10) {
        end -= 2;
        memcpy(end, &render_digit_pairs[2 * value], 2);
    } else {
        *--end = (char)('0' + value);
    }
    return end;
}

enum { VALUE_TEXT_MAX = 64 };

static unsigned decimal_length(uint64_t value)
{
    static const uint64_t powers[] = {
        1u, 10u, 100u, 1000u, 10000u, 100000u, 1000000u, 10000000u, 100000000u, 1000000000u, 10000000000u,
        100000000000u, 1000000000000u, 10000000000000u, 100000000000000u, 1000000000000000u,
        10000000000000000u, 100000000000000000u, 1000000000000000000u, 10000000000000000000u,
    };
    /* log10 from the bit length (1233/4096 ~ log10 2), then one correction;
     * value | 1 has the digits of value, and one digit for 0. */
    value |= 1;
    unsigned estimate = (unsigned)(((64 - __builtin_clzll(value)) * 1233) >> 12);
    return estimate + (value >= powers[estimate]);
}

/* The decimal digits of value at `at`; returns where they end. */
static char *put_decimal_at(char *at, uint64_t value)
{
    char *end = at + decimal_length(value);
    put_decimal(end, value);
    return end;
}

void render_unsigned(struct out_buffer *out, uint64_t value)
{
    out->length = (size_t)(put_decimal_at(out->data + out->length, value) - out->data);
}

/*
 * A double that equals a decimal of at most 15 significant digits and 6
 * fraction digits, from 1e-4 up, prints as that decimal (".0" for a whole
 * number): exactly what Swift prints, without calling back into Swift. Two
 * different such decimals lie further apart than neighbouring doubles do, so
 * the one that round-trips is the shortest, and the one Swift picks.
 * Writes it at `at` and returns the end, or NULL for every other value,
 * which goes to the formatter.
 */
static char *put_short_decimal(char *at, double value)
{
    static const double powers[] = {1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6};
    double magnitude = value < 0 ? -value : value;
    if (!(magnitude >= 1e-4 && magnitude < 1e15)) /* NaN fails too */
        return NULL;
    for (int k = 0; k <= 6; k++) {
        double scaled = magnitude * powers[k];
        if (scaled >= 1e15)
            return NULL;
        if (scaled != (double)(int64_t)scaled || scaled / powers[k] != magnitude)
            continue;
        uint64_t digits = (uint64_t)scaled, unit = (uint64_t)powers[k];
        uint64_t whole = digits / unit, fraction = digits % unit;
        /* A product that missed being whole at a smaller k (0.07 * 100 is
         * 7.000000000000001) shows up here with trailing zeros: the same decimal. */
        while (k > 0 && fraction % 10 == 0) {
            fraction /= 10;
            k--;
        }
        if (value < 0)
            *at++ = '-';
        at = put_decimal_at(at, whole);
        *at++ = '.';
        if (k == 0)
            *at++ = '0';
        for (int i = k - 1; i >= 0; i--, fraction /= 10)
            at[i] = (char)('0' + fraction % 10);
        return at + k;
    }
    return NULL;
}

/* A formatter's text for a DOUBLE or FLOAT segment into text; returns its length. */
static size_t formatted(int tag, const char *bytes, char text[VALUE_TEXT_MAX])
{
    size_t n;
    if (tag == SLUICE_SEGMENT_DOUBLE) {
        double v;
        memcpy(&v, bytes, sizeof v);
        sluice_double_formatter format = load_acquire(&double_formatter);
        n = format != NULL ? format(v, text, VALUE_TEXT_MAX) : (size_t)snprintf(text, VALUE_TEXT_MAX, "%.17g", v);
    } else {
        float v;
        memcpy(&v, bytes, sizeof v);
        sluice_float_formatter format = load_acquire(&float_formatter);
        n = format != NULL ? format(v, text, VALUE_TEXT_MAX) : (size_t)snprintf(text, VALUE_TEXT_MAX, "%.9g", (double)v);
    }
    return n < VALUE_TEXT_MAX ? n : VALUE_TEXT_MAX;
}

void render_value(struct out_buffer *out, int tag, const char *bytes, size_t size, int format)
{
    char *at = out->data + out->length;
    if (tag == SLUICE_SEGMENT_INT) {
        int64_t v;
        memcpy(&v, bytes, sizeof v);
        if (v < 0)
            *at++ = '-';
        at = put_decimal_at(at, v < 0 ? 0 - (uint64_t)v : (uint64_t)v);
    } else if (tag == SLUICE_SEGMENT_UINT) {
        uint64_t v;
        memcpy(&v, bytes, sizeof v);
        at = put_decimal_at(at, v);
    } else if (tag == SLUICE_SEGMENT_BOOL) {
        bool v = bytes[0] != 0;
        memcpy(at, v ? "true" : "false", 5);
        at += v ? 4 : 5;
    } else {
        char *end = NULL;
        double v;
        if (tag == SLUICE_SEGMENT_DOUBLE) {
            memcpy(&v, bytes, sizeof v);
            end = put_short_decimal(at, v);
        } else {
            float f;
            memcpy(&f, bytes, sizeof f);
            v = f;
        }
        if (end == NULL) {
            /* A formatter's text is escaped like any other, and kept within the
             * escaping factor per encoded byte that render_line_bound assumes;
             * in JSON a value that is no number (nan, inf) is a string. */
            char text[VALUE_TEXT_MAX];
            size_t n = formatted(tag, bytes, text);
            bool quoted = format == SLUICE_FORMAT_JSON && !isfinite(v);
            if (quoted)
                out->data[out->length++] = '"';
            render_escaped_within(out, text, n, RENDER_ESCAPE_FACTOR * (1 + size) - 2,
                                  format == SLUICE_FORMAT_JSON ? ESCAPE_JSON : ESCAPE_TEXT);
            if (quoted)
                out->data[out->length++] = '"';
            return;
        }
        at = end;
    }
    out->length = (size_t)(at - out->data);
}

/* The format a message of segments starts with (SLUICE_SEGMENT_FORMAT), or NULL. */
static const struct format *leading_format(const struct format_table *formats, const char *segments, size_t length)
{
    uint32_t id;
    if (length < 1 + sizeof id || (unsigned char)segments[0] != SLUICE_SEGMENT_FORMAT)
        return NULL;
    memcpy(&id, segments + 1, sizeof id);
    return formats_find(formats, id);
}

size_t render_format_room(const struct format_table *formats, const char *segments, size_t length)
{
    const struct format *format = leading_format(formats, segments, length);
    return format != NULL ? format->room : 0;
}

/* A format's piece i, as style escaped it when the format was registered. */
static void put_piece(struct out_buffer *out, const struct format *format, uint32_t i, enum escape_style style)
{
    uint32_t from = i == 0 ? 0 : format->end[style][i - 1], to = format->end[style][i];
    memcpy(out->data + out->length, format->text[style] + from, to - from);
    out->length += to - from;
}

/* Walks the message part of segments, rendering it into out unless out is NULL: a leading
 * format's pieces, each after the value before it, or each segment as it is. */
static size_t walk_message(struct out_buffer *out, const char *segments, size_t length, enum escape_style style,
                           const struct format_table *formats)
{
    const char *p = segments, *end = segments + length;
    const struct format *format = leading_format(formats, segments, length);
    uint32_t piece = 0;
    if (length >= 5 && (unsigned char)*p == SLUICE_SEGMENT_FORMAT)
        p += 5; /* its id: a format never given renders the values alone */
    if (format != NULL && out != NULL)
        put_piece(out, format, piece, style);
    while (p < end) {
        int tag = (unsigned char)*p++;
        if (tag == SLUICE_SEGMENT_FIELDS)
            return (size_t)(p - 1 - segments);
        size_t size = render_value_size(tag);
        if (size == 0 || (size_t)(end - p) < size)
            return length;
        if (tag == SLUICE_SEGMENT_TEXT) {
            uint32_t n;
            memcpy(&n, p, sizeof n);
            p += sizeof n;
            if (n > (size_t)(end - p))
                n = (uint32_t)(end - p); /* a cut record: what is there */
            if (out != NULL)
                render_escaped(out, p, n, style);
            p += n;
        } else if (out == NULL) {
            p += size;
        } else {
            /* A number in a message is text in every format: digits, signs and
             * letters (nan, inf), nothing any style escapes. */
            render_value(out, tag, p, size, SLUICE_FORMAT_TEXT);
            p += size;
        }
        if (format != NULL && ++piece < format->pieces && out != NULL)
            put_piece(out, format, piece, style);
        if (format != NULL && piece + 1 >= format->pieces)
            format = NULL; /* its last piece is out: more values render as they are */
    }
    return length;
}

size_t render_segments(struct out_buffer *out, const char *segments, size_t length, enum escape_style style,
                       const struct format_table *formats)
{
    return walk_message(out, segments, length, style, formats);
}

size_t sluice_message_text_bound(const void *message, size_t length, int segments)
{
    size_t room = segments ? render_format_room(NULL, message, length) : 0;
    return RENDER_ESCAPE_FACTOR * length + 64 + room; /* escapes, every value at its widest, a format */
}

size_t sluice_message_text(const void *message, size_t length, int segments, char *out)
{
    struct out_buffer buffer = {.data = out, .length = 0, .capacity = sluice_message_text_bound(message, length, segments)};
    if (segments)
        render_segments(&buffer, message, length, ESCAPE_TEXT, NULL);
    else
        render_escaped(&buffer, message, length, ESCAPE_TEXT);
    return buffer.length;
}

size_t render_fields_offset(const char *segments, size_t length)
{
    return walk_message(NULL, segments, length, ESCAPE_TEXT, NULL);
}

size_t render_value_size(int tag)
{
    switch (tag) {
    case SLUICE_SEGMENT_TEXT: return 4; /* its length; the text follows */
    case SLUICE_SEGMENT_INT:
    case SLUICE_SEGMENT_UINT:
    case SLUICE_SEGMENT_DOUBLE: return 8;
    case SLUICE_SEGMENT_FLOAT: return 4;
    case SLUICE_SEGMENT_BOOL: return 1;
    default: return 0;
    }
}
