/* render.c — the pieces of a line: timestamps, and escaping in each style (render.h). */
#include "render.h"

#include <string.h>

#include "clock.h"

const char render_digit_pairs[201] = "00010203040506070809101112131415161718192021222324"
                                     "25262728293031323334353637383940414243444546474849"
                                     "50515253545556575859606162636465666768697071727374"
                                     "75767778798081828384858687888990919293949596979899";

void render_timestamp_cache_init(struct timestamp_cache *cache)
{
    const struct stamp_cache empty = {.second = INT64_MIN, .micro = INT64_MIN};
    *cache = (struct timestamp_cache){.utc = empty, .local = empty};
}

/* The stamp of utc_ns at offset seconds east of UTC, its zone written "Z" (UTC) or "+hh:mm"
 * (local); returns its length. */
static size_t put_stamp(char *at, struct stamp_cache *cache, int64_t utc_ns, int32_t offset, bool local)
{
    size_t length = local ? RENDER_LOCAL_TIMESTAMP_LENGTH : RENDER_TIMESTAMP_LENGTH;
    int64_t ns = utc_ns + (int64_t)offset * 1000000000;
    int64_t micro = ns >= 0 ? ns / 1000 : (ns - 999) / 1000;
    if (micro == cache->micro && offset == cache->offset) { /* records come in bursts within a microsecond */
        memcpy(at, cache->stamp, length);
        return length;
    }
    int64_t second = ns >= 0 ? ns / 1000000000 : (ns - 999999999) / 1000000000;
    if (second != cache->second || offset != cache->offset) {
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
    uint32_t micros = (uint32_t)((ns - second * 1000000000) / 1000);
    memcpy(at, cache->prefix, sizeof cache->prefix);
    memcpy(at + 20, &render_digit_pairs[2 * (micros / 10000)], 2);
    memcpy(at + 22, &render_digit_pairs[2 * (micros / 100 % 100)], 2);
    memcpy(at + 24, &render_digit_pairs[2 * (micros % 100)], 2);
    if (local) {
        unsigned minutes = (unsigned)(offset < 0 ? -offset : offset) / 60;
        at[26] = offset < 0 ? '-' : '+';
        memcpy(at + 27, &render_digit_pairs[2 * (minutes / 60 % 100)], 2);
        at[29] = ':';
        memcpy(at + 30, &render_digit_pairs[2 * (minutes % 60)], 2);
    } else {
        at[26] = 'Z';
    }
    cache->micro = micro;
    cache->offset = offset;
    memcpy(cache->stamp, at, length);
    return length;
}

void render_timestamp(char *at, struct timestamp_cache *cache, int64_t utc_ns)
{
    put_stamp(at, &cache->utc, utc_ns, 0, false);
}

void render_local_timestamp(char *at, struct timestamp_cache *cache, int64_t utc_ns, int32_t offset)
{
    put_stamp(at, &cache->local, utc_ns, offset, true);
}

/* The high bit of each byte of word that equals c (the "has zero" test on word ^ c). */
static inline uint64_t bytes_equal(uint64_t word, unsigned char c)
{
    const uint64_t ones = 0x0101010101010101u;
    uint64_t x = word ^ (ones * c);
    return (x - ones) & ~x;
}

/* True if any of the 8 bytes is below space (a C0 control), above '~' (DEL,
 * or not ASCII), a backslash, or a byte the style also escapes (a quote; in
 * syslog a ']'): the classic "has less", "has more" and "has zero" word tests,
 * exact as booleans. */
static inline bool needs_care(uint64_t word, enum escape_style style)
{
    const uint64_t ones = 0x0101010101010101u, highs = 0x8080808080808080u;
    uint64_t below_space = (word - ones * 0x20) & ~word;
    uint64_t above_tilde = (word + ones) | word;
    uint64_t found = below_space | above_tilde | bytes_equal(word, '\\');
    if (style != ESCAPE_TEXT)
        found |= bytes_equal(word, '"');
    if (style == ESCAPE_SYSLOG)
        found |= bytes_equal(word, ']');
    return (found & highs) != 0;
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

/* A control or an invalid byte: \xHH, or in JSON \u00HH (code point byte) or \ufffd (invalid). */
static char *put_byte_escape(char *at, unsigned char byte, bool code_point, enum escape_style style)
{
    if (style == ESCAPE_JSON) {
        if (code_point) {
            memcpy(at, "\\u00", 4);
            at[4] = hex[byte >> 4];
            at[5] = hex[byte & 15];
        } else {
            memcpy(at, "\\ufffd", 6);
        }
        return at + 6;
    }
    at[0] = '\\';
    at[1] = 'x';
    at[2] = hex[byte >> 4];
    at[3] = hex[byte & 15];
    return at + 4;
}

/* The bytes that need no care copy through; the rest go one by one. */
static const unsigned char *render_careful(char **at, const unsigned char *p, const unsigned char *end,
                                           enum escape_style style)
{
    unsigned char c = *p;
    if (c == '\\' || (c == '"' && style != ESCAPE_TEXT) || (c == ']' && style == ESCAPE_SYSLOG)) {
        /* escaped, so that every escape reads one way */
        (*at)[0] = '\\';
        (*at)[1] = (char)c;
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
        default: *at = put_byte_escape(to, c, true, style); break;
        }
        return p + 1;
    }
    size_t n = utf8_sequence(p, end);
    if (n == 2 && c == 0xc2 && p[1] < 0xa0) { /* a C1 control */
        if (style == ESCAPE_JSON) {
            *at = put_byte_escape(*at, p[1], true, style);
        } else {
            *at = put_byte_escape(*at, p[0], false, style);
            *at = put_byte_escape(*at, p[1], false, style);
        }
        return p + 2;
    }
    if (n == 0) { /* invalid UTF-8, byte by byte */
        *at = put_byte_escape(*at, c, false, style);
        return p + 1;
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

static inline void escape(struct out_buffer *out, const char *text, size_t length, enum escape_style style)
{
    const unsigned char *p = (const unsigned char *)text, *end = p + length;
    char *at = out->data + out->length;
    while (p < end) {
        /* Plain printable ASCII, eight bytes at a time; a short tail is checked
         * padded with spaces, which need no care. */
        size_t left = (size_t)(end - p);
        uint64_t word = 0x2020202020202020u;
        if (left >= 8) {
            memcpy(&word, p, 8);
        } else if (length >= 8) {
            /* The last 8 bytes of the text, shifted so the tail comes first. */
            memcpy(&word, end - 8, 8);
            word = (word >> (8 * (8 - left))) | (0x2020202020202020u << (8 * left));
        } else {
            for (size_t i = 0; i < left; i++) /* fixed-size copies only: no call */
                word = (word & ~((uint64_t)0xff << (8 * i))) | ((uint64_t)p[i] << (8 * i));
        }
        if (!needs_care(word, style)) {
            memcpy(at, &word, 8); /* the room bound covers 8 bytes past a short tail */
            size_t n = left < 8 ? left : 8;
            at += n;
            p += n;
            continue;
        }
        p = render_careful(&at, p, end, style);
    }
    out->length = (size_t)(at - out->data);
}

void render_escaped(struct out_buffer *out, const char *text, size_t length, enum escape_style style)
{
    /* One copy of the loop per style, each with its own word test. */
    switch (style) {
    case ESCAPE_TEXT: escape(out, text, length, ESCAPE_TEXT); break;
    case ESCAPE_LOGFMT: escape(out, text, length, ESCAPE_LOGFMT); break;
    case ESCAPE_JSON: escape(out, text, length, ESCAPE_JSON); break;
    case ESCAPE_SYSLOG: escape(out, text, length, ESCAPE_SYSLOG); break;
    }
}

void render_escaped_within(struct out_buffer *out, const char *text, size_t length, size_t budget,
                           enum escape_style style)
{
    const unsigned char *p = (const unsigned char *)text, *end = p + length;
    char *at = out->data + out->length, *limit = at + budget;
    while (p < end) {
        char escaped[8]; /* the most render_careful writes for one character: a C1 control */
        char *to = escaped;
        const unsigned char *next = render_careful(&to, p, end, style);
        if (to - escaped > limit - at)
            break;
        memcpy(at, escaped, (size_t)(to - escaped));
        at += to - escaped;
        p = next;
    }
    out->length = (size_t)(at - out->data);
}

/* A byte that makes a logfmt value need quotes: a space or control, '=', a quote, a
 * backslash, DEL, or anything past ASCII (which may need escaping). */
static bool breaks_token(unsigned char c)
{
    return c <= ' ' || c == '=' || c == '"' || c == '\\' || c >= 0x7f;
}

void render_logfmt_value(struct out_buffer *out, const char *text, size_t length)
{
    bool plain = length > 0;
    for (size_t i = 0; i < length && plain; i++)
        plain = !breaks_token((unsigned char)text[i]);
    if (plain) {
        memcpy(out->data + out->length, text, length);
        out->length += length;
        return;
    }
    out->data[out->length++] = '"';
    render_escaped(out, text, length, ESCAPE_LOGFMT);
    out->data[out->length++] = '"';
}

void render_logfmt_key(struct out_buffer *out, const char *key, size_t length)
{
    if (length == 0) {
        out->data[out->length++] = '_';
        return;
    }
    size_t from = 0;
    for (size_t i = 0; i <= length; i++) {
        unsigned char c = i < length ? (unsigned char)key[i] : 0;
        if (i < length && c != ' ' && c != '=' && c != '"')
            continue;
        render_escaped(out, key + from, i - from, ESCAPE_LOGFMT); /* controls escape, never quote */
        if (i < length)
            out->data[out->length++] = '_';
        from = i + 1;
    }
}
