/*
 * fields.c — what follows a record's message (sluice.h, "Fields"): where it
 * comes from and its metadata, nested objects and arrays included, in each
 * format. JSON writes them as members of the line's object; text and logfmt
 * as ` key=value` pairs, a nested value as one quoted value in swift-log's own
 * description (`["id": 42, "tags": [a, b]]`); syslog as RFC 5424 structured
 * data, where the record comes from in [sluice@32473 …] (which the caller has
 * opened) and the metadata in [fields@32473 key="value" …].
 *
 * The bytes come from any caller of the C API, so nothing is trusted: a
 * malformed or cut sequence ends the fields where it goes wrong, and every
 * object, array and quote opened is closed, so the line stays valid.
 */
#include <string.h>

#include "json_keys.h"
#include "render.h"
#include "sluice.h"

enum { FIELD_DEPTH_MAX = 16, SD_NAME_MAX = 32 };

/* Keys the line itself writes: a metadata key that repeats one is written as
 * "fields.<key>", so that none hides the line's own. A metadata key that starts
 * with "fields." gets the prefix too, so that a renamed key can never meet it:
 * "msg" is written "fields.msg", "fields.msg" "fields.fields.msg", and no key
 * appears twice. */
static const char *const own_keys[] = {"ts",   "level", "module",   "msg",     "thread",  "source",
                                       "file", "line",  "function", "dropped", "recalled"};
static const char renamed_prefix[] = "fields.";

static bool is_renamed(const char *key, size_t length)
{
    if (length >= sizeof renamed_prefix - 1 && memcmp(key, renamed_prefix, sizeof renamed_prefix - 1) == 0)
        return true;
    for (size_t i = 0; i < sizeof own_keys / sizeof own_keys[0]; i++)
        if (strlen(own_keys[i]) == length && memcmp(own_keys[i], key, length) == 0)
            return true;
    return false;
}

struct walk {
    const char *p, *end;
    struct out_buffer *out;
    int format;
    int depth;                     /* open objects and arrays */
    bool in_fields_element;        /* syslog: [fields@32473 is open (else [sluice@32473 is) */
    const struct json_keys *keys;  /* JSON's names (json_keys.h), or NULL: the standard ones */
    unsigned renamed;              /* the renames this line has used, one bit each */
    int form;                      /* enum json_value_form of the value after a renamed key */
    bool object[FIELD_DEPTH_MAX];  /* each open one's kind */
    bool first[FIELD_DEPTH_MAX];   /* nothing written in it yet */
};

static void put(struct out_buffer *out, const char *text, size_t length)
{
    memcpy(out->data + out->length, text, length);
    out->length += length;
}

#define PUT_LITERAL(out, literal) put(out, literal, sizeof literal - 1)

static bool read_u32(struct walk *w, uint32_t *value)
{
    if ((size_t)(w->end - w->p) < sizeof *value)
        return false;
    memcpy(value, w->p, sizeof *value);
    w->p += sizeof *value;
    return true;
}

/* A uint32_t length and that many bytes; a cut record gives what is there. */
static bool read_text(struct walk *w, const char **text, size_t *length)
{
    uint32_t n;
    if (!read_u32(w, &n))
        return false;
    if (n > (size_t)(w->end - w->p))
        n = (uint32_t)(w->end - w->p);
    *text = w->p;
    *length = n;
    w->p += n;
    return true;
}

/* An RFC 5424 SD-NAME: at most 32 printable ASCII bytes but '=', ' ', ']' and '"';
 * every other byte written as '_'. */
static void put_sd_name(struct out_buffer *out, const char *key, size_t length, bool renamed)
{
    size_t room = SD_NAME_MAX;
    if (renamed) {
        put(out, renamed_prefix, sizeof renamed_prefix - 1);
        room -= sizeof renamed_prefix - 1;
    }
    if (length == 0)
        out->data[out->length++] = '_';
    for (size_t i = 0; i < length && i < room; i++) {
        unsigned char c = (unsigned char)key[i];
        bool fits = c > ' ' && c < 0x7f && c != '=' && c != ']' && c != '"';
        out->data[out->length++] = fits ? (char)c : '_';
    }
}

/* A top-level key: ` key=` or `,"key":`, prefixed with "fields." when renamed. Metadata
 * (not origin) in syslog goes in [fields@32473, opened before its first key. */
static void put_key(struct walk *w, const char *key, size_t length, bool renamed, bool origin)
{
    struct out_buffer *out = w->out;
    if (w->format == RENDER_FORMAT_SYSLOG) {
        if (!origin && !w->in_fields_element) {
            PUT_LITERAL(out, "][fields@32473");
            w->in_fields_element = true;
        }
        out->data[out->length++] = ' ';
        put_sd_name(out, key, length, renamed);
        out->data[out->length++] = '=';
    } else if (w->format == SLUICE_FORMAT_JSON) {
        PUT_LITERAL(out, ",\"");
        if (renamed)
            put(out, renamed_prefix, sizeof renamed_prefix - 1);
        render_escaped(out, key, length, ESCAPE_JSON);
        PUT_LITERAL(out, "\":");
    } else {
        out->data[out->length++] = ' ';
        if (renamed)
            put(out, renamed_prefix, sizeof renamed_prefix - 1);
        render_logfmt_key(out, key, length);
        out->data[out->length++] = '=';
    }
}

/* One of the record's own keys (source, file, line, function), under its JSON name if keys
 * rename it. */
static void put_origin_key(struct walk *w, enum json_own_key key, const char *standard, size_t length)
{
    if (w->keys == NULL || w->format != SLUICE_FORMAT_JSON) {
        put_key(w, standard, length, false, true);
        return;
    }
    PUT_LITERAL(w->out, ",\"");
    put(w->out, w->keys->own[key].text, w->keys->own[key].length);
    PUT_LITERAL(w->out, "\":");
}

/* A top-level metadata key in JSON under keys: renamed the first time it comes, else written
 * as it is (prefixed when the line names a member so). */
static void put_named_key(struct walk *w, const char *key, size_t length)
{
    int rename = json_keys_rename(w->keys, key, length, &w->renamed);
    if (rename < 0) {
        put_key(w, key, length, json_keys_taken(w->keys, key, length), false);
        return;
    }
    PUT_LITERAL(w->out, ",\"");
    put(w->out, w->keys->to[rename].text, w->keys->to[rename].length);
    PUT_LITERAL(w->out, "\":");
    w->form = w->keys->form[rename];
}

/* The value of text as a hex number, its last 16 digits; false if it is not 1 to 32 hex digits. */
static bool read_hex64(const char *text, size_t length, uint64_t *value)
{
    if (length == 0 || length > 32)
        return false;
    *value = 0;
    for (size_t i = 0; i < length; i++) {
        char c = text[i];
        int digit = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
        if (digit < 0)
            return false;
        *value = *value << 4 | (uint64_t)digit; /* the high digits shift out */
    }
    return true;
}

/* A trace or span id in the form its collector reads (json_keys.h); true if written. */
static bool put_formed_id(struct walk *w, const char *text, size_t length)
{
    struct out_buffer *out = w->out;
    uint64_t value;
    if (w->form == JSON_VALUE_DECIMAL64 && read_hex64(text, length, &value)) {
        out->data[out->length++] = '"';
        render_unsigned(out, value);
        out->data[out->length++] = '"';
        return true;
    }
    if (w->form == JSON_VALUE_GCP_TRACE && w->keys->project.length > 0 && length == 32 &&
        read_hex64(text, length, &value)) {
        PUT_LITERAL(out, "\"projects/");
        put(out, w->keys->project.text, w->keys->project.length);
        PUT_LITERAL(out, "/traces/");
        put(out, text, length);
        out->data[out->length++] = '"';
        return true;
    }
    return false;
}

/* A string value where it stands: a JSON string, a logfmt value, or (nested in
 * text and logfmt) escaped inside the description's quotes. */
static void put_string(struct walk *w, const char *text, size_t length)
{
    struct out_buffer *out = w->out;
    if (w->format == SLUICE_FORMAT_JSON) {
        out->data[out->length++] = '"';
        render_escaped(out, text, length, ESCAPE_JSON);
        out->data[out->length++] = '"';
    } else if (w->format == RENDER_FORMAT_SYSLOG) {
        if (w->depth == 0)
            out->data[out->length++] = '"';
        render_escaped(out, text, length, ESCAPE_SYSLOG);
        if (w->depth == 0)
            out->data[out->length++] = '"';
    } else if (w->depth == 0) {
        render_logfmt_value(out, text, length);
    } else {
        render_escaped(out, text, length, ESCAPE_LOGFMT);
    }
}

/* A number or boolean where it stands: a syslog value is always quoted. */
static void put_scalar(struct walk *w, int tag, const char *bytes, size_t size)
{
    bool quoted = w->format == RENDER_FORMAT_SYSLOG && w->depth == 0;
    if (quoted)
        w->out->data[w->out->length++] = '"';
    render_value(w->out, tag, bytes, size, w->format);
    if (quoted)
        w->out->data[w->out->length++] = '"';
}

/* Before an element of the innermost open object or array: its separator. */
static void put_separator(struct walk *w)
{
    int top = w->depth - 1;
    if (!w->first[top])
        w->format == SLUICE_FORMAT_JSON ? PUT_LITERAL(w->out, ",") : PUT_LITERAL(w->out, ", ");
    w->first[top] = false;
}

/* A key inside a nested object: "key": in JSON, \"key\":  in a description. */
static void put_nested_key(struct walk *w, const char *key, size_t length)
{
    put_separator(w);
    if (w->format == SLUICE_FORMAT_JSON) {
        put_string(w, key, length);
        w->out->data[w->out->length++] = ':';
    } else {
        PUT_LITERAL(w->out, "\\\"");
        render_escaped(w->out, key, length, w->format == RENDER_FORMAT_SYSLOG ? ESCAPE_SYSLOG : ESCAPE_LOGFMT);
        PUT_LITERAL(w->out, "\\\": ");
    }
}

static void open_container(struct walk *w, bool object)
{
    if (w->format != SLUICE_FORMAT_JSON && w->depth == 0)
        w->out->data[w->out->length++] = '"';
    w->out->data[w->out->length++] = w->format == SLUICE_FORMAT_JSON && object ? '{' : '[';
    w->object[w->depth] = object;
    w->first[w->depth] = true;
    w->depth++;
}

static void close_container(struct walk *w)
{
    w->depth--;
    struct out_buffer *out = w->out;
    if (w->format == SLUICE_FORMAT_JSON) {
        out->data[out->length++] = w->object[w->depth] ? '}' : ']';
        return;
    }
    if (w->object[w->depth] && w->first[w->depth])
        out->data[out->length++] = ':'; /* [:], an empty dictionary */
    if (w->format == RENDER_FORMAT_SYSLOG)
        out->data[out->length++] = '\\'; /* a ']' in a PARAM-VALUE is escaped */
    out->data[out->length++] = ']';
    if (w->depth == 0)
        out->data[out->length++] = '"';
}

/* One value: a string, a number, a boolean, or the opening of an object or array.
 * False if the bytes hold no value here. */
static bool put_value(struct walk *w)
{
    if (w->p >= w->end)
        return false;
    int tag = (unsigned char)*w->p++;
    if (tag == SLUICE_SEGMENT_OBJECT || tag == SLUICE_SEGMENT_ARRAY) {
        if (w->depth == FIELD_DEPTH_MAX)
            return false;
        open_container(w, tag == SLUICE_SEGMENT_OBJECT);
        return true;
    }
    if (tag == SLUICE_SEGMENT_TEXT) {
        const char *text;
        size_t length;
        if (!read_text(w, &text, &length))
            return false;
        if (w->form == JSON_VALUE_AS_IS || !put_formed_id(w, text, length))
            put_string(w, text, length);
        return true;
    }
    size_t size = render_value_size(tag);
    if (size == 0 || (size_t)(w->end - w->p) < size)
        return false;
    put_scalar(w, tag, w->p, size);
    w->p += size;
    return true;
}

/* SLUICE_SEGMENT_LOCATION: file, line and function, as three fields. */
static bool put_location(struct walk *w)
{
    const char *file, *function;
    size_t file_length, function_length;
    uint32_t line;
    if (!read_text(w, &file, &file_length) || !read_u32(w, &line) || !read_text(w, &function, &function_length))
        return false;
    uint64_t line_value = line;
    put_origin_key(w, JSON_FILE, "file", 4);
    put_string(w, file, file_length);
    put_origin_key(w, JSON_LINE, "line", 4);
    put_scalar(w, SLUICE_SEGMENT_UINT, (const char *)&line_value, sizeof line_value);
    put_origin_key(w, JSON_FUNCTION, "function", 8);
    put_string(w, function, function_length);
    return true;
}

/* The next item at the top level, or inside the innermost open object or array;
 * false where the bytes go wrong or end. */
static bool put_item(struct walk *w)
{
    int tag = (unsigned char)*w->p;
    if (tag == SLUICE_SEGMENT_END) {
        if (w->depth == 0)
            return false;
        w->p++;
        close_container(w);
        return true;
    }
    bool in_object = w->depth == 0 || w->object[w->depth - 1];
    if (!in_object) {
        put_separator(w);
        return put_value(w);
    }
    const char *text;
    size_t length;
    w->p++;
    if (tag == SLUICE_SEGMENT_SOURCE && w->depth == 0) {
        if (!read_text(w, &text, &length))
            return false;
        if (w->format != SLUICE_FORMAT_TEXT) { /* a text line names its module already */
            put_origin_key(w, JSON_SOURCE, "source", 6);
            put_string(w, text, length);
        }
        return true;
    }
    if (tag == SLUICE_SEGMENT_LOCATION && w->depth == 0)
        return put_location(w);
    if (tag != SLUICE_SEGMENT_KEY || !read_text(w, &text, &length))
        return false;
    if (w->depth > 0)
        put_nested_key(w, text, length);
    else if (w->keys != NULL)
        put_named_key(w, text, length);
    else
        put_key(w, text, length, is_renamed(text, length), false);
    bool valued = put_value(w);
    w->form = JSON_VALUE_AS_IS;
    if (valued)
        return true;
    /* A key without its value. */
    if (w->format == SLUICE_FORMAT_JSON)
        PUT_LITERAL(w->out, "null");
    else if (w->format == RENDER_FORMAT_SYSLOG && w->depth == 0)
        PUT_LITERAL(w->out, "\"\""); /* a PARAM-VALUE is always quoted */
    return false;
}

void render_fields(struct out_buffer *out, const char *fields, size_t length, int format,
                   const struct json_keys *keys)
{
    struct walk w = {.p = fields, .end = fields + length, .out = out, .format = format,
                     .keys = format == SLUICE_FORMAT_JSON ? keys : NULL};
    while (w.p < w.end && put_item(&w))
        ;
    while (w.depth > 0)
        close_container(&w);
    if (format == RENDER_FORMAT_SYSLOG)
        out->data[out->length++] = ']'; /* whichever element is open */
}
