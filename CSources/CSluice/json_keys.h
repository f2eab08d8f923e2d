/*
 * json_keys.h — the names a JSON sink gives its keys (sluice.h, sluice_options.json_keys):
 * a collector's preset (ecs, gcp, datadog) and renames, parsed once when the sink opens.
 *
 * A line's own keys (ts, level, module, msg, thread, dropped, recalled, and the record's
 * source, file, line, function) each have a name; a metadata key may be renamed too. Two
 * values take the form their collector reads, decided by the name they are given:
 *
 *     severity                       the level in Google's names: DEBUG (trace too) … CRITICAL
 *     logging.googleapis.com/trace   a 32-digit hex trace id as projects/<project>/traces/<id>
 *     dd.trace_id, dd.span_id        a hex id as Datadog's decimal: its low 64 bits
 *
 * The renamed line is at most JSON_KEYS_GROWTH_MAX bytes longer than the standard one, which
 * LINE_FIXED_MAX's room for a syslog head (never in a JSON line) holds: a metadata key is
 * renamed once per line, its first time, so the growth does not depend on the record.
 */
#ifndef SLUICE_JSON_KEYS_H
#define SLUICE_JSON_KEYS_H

#include <stdbool.h>
#include <stddef.h>

enum json_own_key {
    JSON_TS, JSON_LEVEL, JSON_MODULE, JSON_MSG, JSON_THREAD, JSON_DROPPED, JSON_RECALLED,
    JSON_SOURCE, JSON_FILE, JSON_LINE, JSON_FUNCTION, JSON_OWN_KEYS
};

enum json_value_form { JSON_VALUE_AS_IS, JSON_VALUE_GCP_TRACE, JSON_VALUE_DECIMAL64 };

enum { JSON_NAME_MAX = 63, JSON_RENAMES_MAX = 16, JSON_KEYS_GROWTH_MAX = 256 };

struct json_name {
    char text[JSON_NAME_MAX + 1]; /* printable ASCII without '"' or '\\': written as it is */
    size_t length;
};

struct json_keys {
    struct json_name own[JSON_OWN_KEYS];    /* by enum json_own_key */
    struct json_name from[JSON_RENAMES_MAX]; /* metadata keys renamed … */
    struct json_name to[JSON_RENAMES_MAX];   /* … to these */
    unsigned char form[JSON_RENAMES_MAX];    /* enum json_value_form of each rename's value */
    unsigned renames;
    bool severity_names;                     /* the level is named as Google's severity */
    struct json_name extra_key, extra_value; /* a member every line has: "ecs.version":"1.6.0" */
    struct json_name project;                /* gcp:<project>; empty: trace ids as they are */
};

/* Parses spec (sluice.h, sluice_options.json_keys) into *keys, or sets *keys to NULL when
 * spec is NULL or empty (the standard names). 0, or -1 after a line in error naming what
 * is wrong, followed by outcome. */
int json_keys_parse(const char *spec, struct json_keys **keys, const char *outcome, char *error,
                    size_t error_size);

/* The rename of a metadata key not yet renamed on this line (fired: one bit per rename),
 * or -1. */
int json_keys_rename(const struct json_keys *keys, const char *key, size_t length, unsigned *fired);

/* A key some member of the line is named already, or starts with "fields.": the metadata key
 * is written as "fields.<key>". */
bool json_keys_taken(const struct json_keys *keys, const char *key, size_t length);

#endif /* SLUICE_JSON_KEYS_H */
