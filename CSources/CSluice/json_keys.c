/* json_keys.c — a JSON sink's key names, from a preset and renames (json_keys.h). */
#include "json_keys.h"
#include "sluice.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const standard_names[JSON_OWN_KEYS] = {
    "ts", "level", "module", "msg", "thread", "dropped", "recalled", "source", "file", "line", "function",
};

/* Each collector's names, as its documentation gives them (docs/shipping-logs.md). */
static const struct {
    const char *name;
    const char *renames;
    const char *extra_key, *extra_value;
} presets[] = {
    {"ecs",
     "ts=@timestamp,level=log.level,msg=message,module=log.logger,thread=process.thread.id,"
     "file=log.origin.file.name,line=log.origin.file.line,function=log.origin.function,"
     "trace_id=trace.id,span_id=span.id",
     "ecs.version", "1.6.0"},
    {"gcp",
     "ts=time,level=severity,msg=message,trace_id=logging.googleapis.com/trace,"
     "span_id=logging.googleapis.com/spanId",
     NULL, NULL},
    {"datadog",
     "ts=timestamp,level=status,msg=message,module=logger.name,thread=logger.thread_name,"
     "trace_id=dd.trace_id,span_id=dd.span_id,error.type=error.kind",
     NULL, NULL},
};

static const char gcp_trace_name[] = "logging.googleapis.com/trace";

struct parse {
    struct json_keys *keys;
    const char *outcome;
    char *error;
    size_t error_size;
};

static int fail(struct parse *p, const char *what, const char *item, size_t length)
{
    if (p->error != NULL)
        snprintf(p->error, p->error_size, "sluice: json_keys: %s in \"%.*s\"; %s", what, (int)length, item,
                 p->outcome);
    return -1;
}

static bool same(const struct json_name *name, const char *text, size_t length)
{
    return name->length == length && memcmp(name->text, text, length) == 0;
}

/* A name as a line writes it unescaped: 1 to JSON_NAME_MAX printable ASCII bytes, none of them
 * a quote, a backslash or the list's ',' and '='. */
static int set_name(struct parse *p, struct json_name *name, const char *text, size_t length, const char *item,
                    size_t item_length)
{
    if (length == 0 || length > JSON_NAME_MAX)
        return fail(p, "a name must have 1 to 63 bytes", item, item_length);
    for (size_t i = 0; i < length; i++) {
        unsigned char c = (unsigned char)text[i];
        if (c <= ' ' || c >= 0x7f || c == '"' || c == '\\' || c == ',' || c == '=')
            return fail(p, "a name may hold printable ASCII but space, '\"', '\\\\', ',' and '='", item,
                        item_length);
    }
    memcpy(name->text, text, length);
    name->text[length] = '\0';
    name->length = length;
    return 0;
}

/* "from=to": an own key's name, or a metadata key's rename (a later one replaces an earlier). */
static int add_rename(struct parse *p, const char *item, size_t length)
{
    struct json_keys *keys = p->keys;
    const char *equals = memchr(item, '=', length);
    if (equals == NULL)
        return fail(p, "expected from=to, or a preset (ecs, gcp, gcp:<project>, datadog) first", item, length);
    size_t from_length = (size_t)(equals - item);
    struct json_name from, to;
    if (set_name(p, &from, item, from_length, item, length) != 0 ||
        set_name(p, &to, equals + 1, length - from_length - 1, item, length) != 0)
        return -1;
    for (int k = 0; k < JSON_OWN_KEYS; k++) {
        if (strlen(standard_names[k]) == from.length && memcmp(standard_names[k], from.text, from.length) == 0) {
            keys->own[k] = to;
            return 0;
        }
    }
    unsigned at = 0;
    while (at < keys->renames && !same(&keys->from[at], from.text, from.length))
        at++;
    if (at == JSON_RENAMES_MAX)
        return fail(p, "more than 16 metadata keys renamed", item, length);
    keys->from[at] = from;
    keys->to[at] = to;
    keys->renames += at == keys->renames;
    return 0;
}

/* Items of a comma-separated list, each to add_rename. */
static int add_renames(struct parse *p, const char *list)
{
    while (*list != '\0') {
        size_t length = strcspn(list, ",");
        if (add_rename(p, list, length) != 0)
            return -1;
        list += length + (list[length] == ',');
    }
    return 0;
}

/* A preset by name (the item, up to a ':'); 1 when the item names none. */
static int add_preset(struct parse *p, const char *item, size_t length)
{
    size_t name_length = strcspn(item, ",:");
    for (size_t i = 0; i < sizeof presets / sizeof presets[0]; i++) {
        if (strlen(presets[i].name) != name_length || memcmp(presets[i].name, item, name_length) != 0)
            continue;
        if (add_renames(p, presets[i].renames) != 0)
            return -1;
        if (presets[i].extra_key != NULL) {
            set_name(p, &p->keys->extra_key, presets[i].extra_key, strlen(presets[i].extra_key), item, length);
            set_name(p, &p->keys->extra_value, presets[i].extra_value, strlen(presets[i].extra_value), item, length);
        }
        if (name_length < length) { /* gcp:<project> */
            if (strcmp(presets[i].name, "gcp") != 0)
                return fail(p, "only gcp takes a project", item, length);
            return set_name(p, &p->keys->project, item + name_length + 1, length - name_length - 1, item, length);
        }
        return 0;
    }
    return 1;
}

/* Every member's name once: two renamed to one name would write a key twice. */
static int check_distinct(struct parse *p)
{
    const struct json_keys *keys = p->keys;
    const struct json_name *names[JSON_OWN_KEYS + JSON_RENAMES_MAX + 1];
    size_t count = 0;
    for (int k = 0; k < JSON_OWN_KEYS; k++)
        names[count++] = &keys->own[k];
    for (unsigned i = 0; i < keys->renames; i++)
        names[count++] = &keys->to[i];
    if (keys->extra_key.length > 0)
        names[count++] = &keys->extra_key;
    for (size_t i = 0; i < count; i++)
        for (size_t j = i + 1; j < count; j++)
            if (same(names[i], names[j]->text, names[j]->length))
                return fail(p, "two members would have one name", names[i]->text, names[i]->length);
    return 0;
}

static size_t longer_by(size_t to, size_t from)
{
    return to > from ? to - from : 0;
}

/* The value forms the names ask for, and how much longer than the standard a line may get. */
static int settle(struct parse *p, const char *spec)
{
    struct json_keys *keys = p->keys;
    keys->severity_names = same(&keys->own[JSON_LEVEL], "severity", 8);
    size_t growth = 0;
    for (int k = 0; k < JSON_OWN_KEYS; k++)
        growth += longer_by(keys->own[k].length, strlen(standard_names[k]));
    if (keys->extra_key.length > 0)
        growth += sizeof ",\"\":\"\"" - 1 + keys->extra_key.length + keys->extra_value.length;
    for (unsigned i = 0; i < keys->renames; i++) {
        const struct json_name *to = &keys->to[i];
        growth += longer_by(to->length, keys->from[i].length);
        if (same(to, gcp_trace_name, sizeof gcp_trace_name - 1)) {
            keys->form[i] = JSON_VALUE_GCP_TRACE;
            growth += sizeof "projects//traces/" - 1 + keys->project.length;
        } else if (same(to, "dd.trace_id", 11) || same(to, "dd.span_id", 10)) {
            keys->form[i] = JSON_VALUE_DECIMAL64; /* never longer than its hex */
        }
    }
    if (growth > JSON_KEYS_GROWTH_MAX) {
        if (p->error != NULL)
            snprintf(p->error, p->error_size,
                     "sluice: json_keys \"%s\": the names make a line up to %zu bytes longer, at most %d; %s", spec,
                     growth, JSON_KEYS_GROWTH_MAX, p->outcome);
        return -1;
    }
    return check_distinct(p);
}

int json_keys_parse(const char *spec, struct json_keys **result, const char *outcome, char *error, size_t error_size)
{
    *result = NULL;
    if (spec == NULL || spec[0] == '\0')
        return 0;
    struct json_keys *keys = calloc(1, sizeof *keys);
    if (keys == NULL) {
        if (error != NULL)
            snprintf(error, error_size, "sluice: out of memory for json_keys \"%s\"; %s", spec, outcome);
        return -1;
    }
    struct parse p = {.keys = keys, .outcome = outcome, .error = error, .error_size = error_size};
    for (int k = 0; k < JSON_OWN_KEYS; k++)
        set_name(&p, &keys->own[k], standard_names[k], strlen(standard_names[k]), spec, 0);
    size_t first = strcspn(spec, ",");
    int preset = add_preset(&p, spec, first);
    const char *rest = preset == 1 ? spec : spec + first + (spec[first] == ',');
    if (preset == -1 || add_renames(&p, rest) != 0 || settle(&p, spec) != 0) {
        free(keys);
        return -1;
    }
    *result = keys;
    return 0;
}

int json_keys_rename(const struct json_keys *keys, const char *key, size_t length, unsigned *fired)
{
    for (unsigned i = 0; i < keys->renames; i++) {
        if (same(&keys->from[i], key, length) && (*fired & (1u << i)) == 0) {
            *fired |= 1u << i;
            return (int)i;
        }
    }
    return -1;
}

bool json_keys_taken(const struct json_keys *keys, const char *key, size_t length)
{
    if (length >= 7 && memcmp(key, "fields.", 7) == 0)
        return true;
    for (int k = 0; k < JSON_OWN_KEYS; k++)
        if (same(&keys->own[k], key, length))
            return true;
    for (unsigned i = 0; i < keys->renames; i++)
        if (same(&keys->to[i], key, length))
            return true;
    return same(&keys->extra_key, key, length);
}

int sluice_json_keys_check(const char *spec, char *error, size_t error_size)
{
    struct json_keys *keys;
    if (json_keys_parse(spec, &keys, "the standard names stay", error, error_size) != 0)
        return SLUICE_INVALID;
    free(keys);
    return SLUICE_OK;
}
