/* render.c — the line: its head (timestamp, level, module), escaped text, its end; see render.h. */
#include "render.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "atomics.h"
#include "clock.h"
#include "sluice.h"

static const struct {
    char text[10];
    size_t length;
} level_names[] = {
    {"TRACE ", 6}, {"DEBUG ", 6},   {"INFO ", 5},      {"NOTICE ", 7},
    {"WARNING ", 8}, {"ERROR ", 6}, {"CRITICAL ", 9},
};

const char render_digit_pairs[201] = "00010203040506070809101112131415161718192021222324"
                                     "25262728293031323334353637383940414243444546474849"
                                     "50515253545556575859606162636465666768697071727374"
                                     "75767778798081828384858687888990919293949596979899";

enum { TIMESTAMP_LENGTH = 28 /* 2026-11-29T04:08:43.123456Z + space */ };

static const char truncation_format[] = " [sluice: truncated to %zu of %llu bytes]";
enum { TRUNCATION_MARKER_MAX = sizeof truncation_format + 2 * 20 };

size_t render_line_bound(size_t message_length, size_t module_length)
{
    /* + 8: render_escaped may store a whole word past a short tail. */
    return 3 /* a priority prefix */ + TIMESTAMP_LENGTH + sizeof level_names[0].text + module_length + 2 + 4 * message_length +
           TRUNCATION_MARKER_MAX + 1 + 8;
}

static void put_timestamp(char *at, struct timestamp_cache *cache, int64_t utc_ns)
{
    int64_t micro = utc_ns >= 0 ? utc_ns / 1000 : (utc_ns - 999) / 1000;
    if (micro == cache->micro) { /* records come in bursts within a microsecond */
        memcpy(at, cache->stamp, TIMESTAMP_LENGTH);
        return;
    }
    int64_t second = utc_ns >= 0 ? utc_ns / 1000000000 : (utc_ns - 999999999) / 1000000000;
    if (second != cache->second) {
        struct clock_civil civil;
        clock_civil(second, &civil); /* not gmtime_r: its lock may be held forever after fork */
        char *p = cache->prefix; /* "YYYY-MM-DDTHH:MM:SS." */
        unsigned year = civil.year < 0 ? 0 : civil.year > 9999 ? 9999 : (unsigned)civil.year;
        memcpy(p, &render_digit_pairs[2 * (year / 100)], 2);
        memcpy(p + 2, &render_digit_pairs[2 * (year % 100)], 2);
        const unsigned parts[] = {civil.month, civil.day, civil.hour, civil.minute, civil.second};
        const char separators[] = "-T::.";
        p[4] = '-';
        for (int i = 0; i < 5; i++) {
            memcpy(p + 5 + 3 * i, &render_digit_pairs[2 * parts[i]], 2);
            p[7 + 3 * i] = separators[i];
        }
        cache->second = second;
    }
    uint32_t micros = (uint32_t)((utc_ns - second * 1000000000) / 1000);
    memcpy(at, cache->prefix, sizeof cache->prefix);
    memcpy(at + 20, &render_digit_pairs[2 * (micros / 10000)], 2);
    memcpy(at + 22, &render_digit_pairs[2 * (micros / 100 % 100)], 2);
    memcpy(at + 24, &render_digit_pairs[2 * (micros % 100)], 2);
    at[26] = 'Z';
    at[27] = ' ';
    cache->micro = micro;
    memcpy(cache->stamp, at, TIMESTAMP_LENGTH);
}

void render_priority(struct out_buffer *out, int level)
{
    static const char severity[] = {'7', '7', '6', '5', '4', '3', '2'}; /* by SLUICE_TRACE ... SLUICE_CRITICAL */
    char *at = out->data + out->length;
    at[0] = '<';
    at[1] = severity[level];
    at[2] = '>';
    out->length += 3;
}

void render_head(struct out_buffer *out, struct timestamp_cache *cache, int64_t utc_ns, int level,
                 const char *module, size_t module_length)
{
    char *at = out->data + out->length;
    put_timestamp(at, cache, utc_ns);
    at += TIMESTAMP_LENGTH;
    memcpy(at, level_names[level].text, sizeof level_names[0].text);
    at += level_names[level].length;
    memcpy(at, module, module_length);
    at += module_length;
    at[0] = ':';
    at[1] = ' ';
    out->length = (size_t)(at + 2 - out->data);
}

void render_end(struct out_buffer *out, size_t kept, uint64_t truncated_from)
{
    if (truncated_from != 0)
        out->length += (size_t)snprintf(out->data + out->length, TRUNCATION_MARKER_MAX, truncation_format, kept,
                                        (unsigned long long)truncated_from);
    out->data[out->length++] = '\n';
}

/* True if any of the 8 bytes is below space (a C0 control), above '~' (DEL,
 * or not ASCII) or a backslash: the classic "has less", "has more" and "has
 * zero" word tests, exact as booleans. */
static inline bool needs_care(uint64_t word)
{
    const uint64_t ones = 0x0101010101010101u, highs = 0x8080808080808080u;
    uint64_t below_space = (word - ones * 0x20) & ~word;
    uint64_t above_tilde = (word + ones) | word;
    uint64_t backslashes = word ^ (ones * '\\');
    uint64_t backslash = (backslashes - ones) & ~backslashes;
    return ((below_space | above_tilde | backslash) & highs) != 0;
}

/* Length of the valid UTF-8 sequence starting at p (lead byte >= 0x80), or 0. */
static size_t utf8_sequence(const unsigned char *p, const unsigned char *end)
{
    unsigned char lead = p[0];
    size_t need;
    unsigned char low = 0x80, high = 0xbf; /* bounds of the second byte */
    if (lead >= 0xc2 && lead <= 0xdf) {
        need = 2;
    } else if (lead >= 0xe0 && lead <= 0xef) {
        need = 3;
        if (lead == 0xe0)
            low = 0xa0; /* no overlong forms */
        else if (lead == 0xed)
            high = 0x9f; /* no surrogates */
    } else if (lead >= 0xf0 && lead <= 0xf4) {
        need = 4;
        if (lead == 0xf0)
            low = 0x90;
        else if (lead == 0xf4)
            high = 0x8f; /* nothing above U+10FFFF */
    } else {
        return 0;
    }
    if ((size_t)(end - p) < need || p[1] < low || p[1] > high)
        return 0;
    for (size_t i = 2; i < need; i++)
        if ((p[i] & 0xc0) != 0x80)
            return 0;
    return need;
}

static const char hex[] = "0123456789abcdef";

static char *put_hex_escape(char *at, unsigned char byte)
{
    at[0] = '\\';
    at[1] = 'x';
    at[2] = hex[byte >> 4];
    at[3] = hex[byte & 15];
    return at + 4;
}

/* The bytes that need no care copy through; the rest go one by one. */
static const unsigned char *render_careful(char **at, const unsigned char *p, const unsigned char *end)
{
    unsigned char c = *p;
    if (c == '\\') { /* escaped itself, so that every escape reads one way */
        memcpy(*at, "\\\\", 2);
        *at += 2;
        return p + 1;
    }
    if (c >= 0x20 && c < 0x7f) {
        *(*at)++ = (char)c;
        return p + 1;
    }
    if (c < 0x80) {
        char *to = *at;
        switch (c) {
        case '\n': memcpy(to, "\\n", 2); *at = to + 2; break;
        case '\r': memcpy(to, "\\r", 2); *at = to + 2; break;
        case '\t': memcpy(to, "\\t", 2); *at = to + 2; break;
        default: *at = put_hex_escape(to, c); break;
        }
        return p + 1;
    }
    size_t n = utf8_sequence(p, end);
    if (n == 0 || (n == 2 && c == 0xc2 && p[1] < 0xa0)) {
        /* Invalid UTF-8 byte by byte; a C1 control as both of its bytes. */
        size_t escaped = n == 0 ? 1 : 2;
        for (size_t i = 0; i < escaped; i++)
            *at = put_hex_escape(*at, p[i]);
        return p + escaped;
    }
    if (n == 3 && c == 0xe2 && p[1] == 0x80 && (p[2] == 0xa8 || p[2] == 0xa9)) {
        /* U+2028 and U+2029 end lines in many viewers and in JavaScript. */
        memcpy(*at, p[2] == 0xa8 ? "\\u2028" : "\\u2029", 6);
        *at += 6;
        return p + 3;
    }
    memcpy(*at, p, n);
    *at += n;
    return p + n;
}

void render_escaped(struct out_buffer *out, const char *message, size_t length)
{
    const unsigned char *p = (const unsigned char *)message, *end = p + length;
    char *at = out->data + out->length;
    while (p < end) {
        /* Plain printable ASCII, eight bytes at a time; a short tail is checked
         * padded with spaces, which need no care. */
        size_t left = (size_t)(end - p);
        uint64_t word = 0x2020202020202020u;
        if (left >= 8) {
            memcpy(&word, p, 8);
        } else if (length >= 8) {
            /* The last 8 bytes of the message, shifted so the tail comes first. */
            memcpy(&word, end - 8, 8);
            word = (word >> (8 * (8 - left))) | (0x2020202020202020u << (8 * left));
        } else {
            for (size_t i = 0; i < left; i++) /* fixed-size copies only: no call */
                word = (word & ~((uint64_t)0xff << (8 * i))) | ((uint64_t)p[i] << (8 * i));
        }
        if (!needs_care(word)) {
            memcpy(at, &word, 8); /* the room bound covers 8 bytes past a short tail */
            size_t n = left < 8 ? left : 8;
            at += n;
            p += n;
            continue;
        }
        p = render_careful(&at, p, end);
    }
    out->length = (size_t)(at - out->data);
}

void render_escaped_within(struct out_buffer *out, const char *text, size_t length, size_t budget)
{
    const unsigned char *p = (const unsigned char *)text, *end = p + length;
    char *at = out->data + out->length, *limit = at + budget;
    while (p < end) {
        char escaped[8]; /* the most render_careful writes for one character: a C1 control */
        char *to = escaped;
        const unsigned char *next = render_careful(&to, p, end);
        if (to - escaped > limit - at)
            break;
        memcpy(at, escaped, (size_t)(to - escaped));
        at += to - escaped;
        p = next;
    }
    out->length = (size_t)(at - out->data);
}
