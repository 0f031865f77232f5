// The one description of the scanner cores' memory and records, read by both sides: the AssemblyScript cores
// (errorlog.ts, accesslog.ts, shared.ts import it as "./layout") and the TypeScript readers in src/evidence/
// (through "../nginx/wasm/layout.js"), and scripts/build.mjs takes MEMORY_BASE and MEMORY_PAGES from it.
// Only integer constants written so both compilers read them alike (AssemblyScript types them i32).
// test/nginx/wasm-layout.test.ts checks the built module against these numbers.

// ---- Memory (bytes; fixed size, no growth) ----

/** JavaScript copies each block of whole lines to offset 0; blocks up to this size fit. */
export const INPUT_CAPACITY = 3 << 20;
/** Records of one scan call. */
export const RECORD_BASE = 3 << 20;
export const RECORD_BYTES = 3 << 19;
/** The intern table: open addressing, 16-byte entries (hash, arena offset, length<<8|kind, id + 1). */
export const TABLE_BASE = RECORD_BASE + RECORD_BYTES;
export const TABLE_SLOTS = 1 << 15;
export const TABLE_ENTRY_BYTES = 16;
/** The interned bytes. */
export const ARENA_BASE = TABLE_BASE + TABLE_SLOTS * TABLE_ENTRY_BYTES;
export const ARENA_BYTES = 3 << 19;
/** The access-log format program (i32 slots below, literal bytes from CONFIG_LITERALS on). */
export const CONFIG_BASE = ARENA_BASE + ARENA_BYTES;
export const CONFIG_LITERALS = 4096;
export const CONFIG_LITERAL_MAX = 60000;
/** The compiler's own data starts here (scripts/build.mjs passes it as --memoryBase): 6.5625 MiB. */
export const MEMORY_BASE = CONFIG_BASE + 65536;
/** The module's fixed memory, in 64 KiB pages (room above MEMORY_BASE for the compiler's data). */
export const MEMORY_PAGES = 107;

// ---- Record status (slot 0 of every record, both logs) ----

/** JavaScript reads the line itself (the core does not take it). */
export const LINE_SLOW = 0;
/** The record holds everything the summary counts. */
export const LINE_SCANNED = 1;
/** An empty line (access log): not counted. */
export const LINE_EMPTY = 2;
/**
 * An error-log line in nginx's layout (possibly behind a forwarder's prefix) that has none of the words a line
 * about an upstream has (UPSTREAM_MARKERS of src/nginx/errorlog/facts.ts, and "reconfiguring"): counted as
 * not-upstream, as addLine counts it after the same test.
 */
export const LINE_OTHER = 3;

// ---- Error-log record: i32 slots; a span is two slots (start, end); absent values are -1 ----

export const ERR_STATUS = 0;
/** The line without its newline or CR. */
export const ERR_LINE = 1;
/** Interned ids: message (with its level and upstream kind), server, host and peer. */
export const ERR_MESSAGE_ID = 3;
export const ERR_SERVER_ID = 4;
export const ERR_HOST_ID = 5;
export const ERR_PEER_ID = 6;
/** UPSTREAM_TCP (a host:port or an upstream group) or UPSTREAM_UNIX. */
export const ERR_UPSTREAM_KIND = 7;
/** The timestamp as two numbers, YYYYMMDD and HHMMSS. */
export const ERR_DATE = 8;
export const ERR_TIME = 9;
/** Spans: the message (up to ", client: "), the request, upstream, server and host values, the peer. */
export const ERR_MESSAGE = 10;
export const ERR_REQUEST = 12;
export const ERR_UPSTREAM = 14;
export const ERR_SERVER = 16;
export const ERR_HOST = 18;
export const ERR_PEER = 20;
/** Index of the level in ERROR_LEVEL_ORDER (src/nginx/errorlog/facts.ts). */
export const ERR_LEVEL = 22;
/**
 * Where nginx's own "YYYY/MM/DD HH:MM:SS" starts: the line start, or after a forwarder's prefix (syslog,
 * journald, `kubectl logs --timestamps`) that parseErrorLine would skip.
 */
export const ERR_STAMP = 23;
/**
 * What a line's classification also depends on: CTX_STREAM for a stream session's line (its counters, ", bytes
 * from/to client:", end message and context); and for a line without upstream context CTX_REQUEST when it has a
 * request parseErrorLine can split ("METHOD URI…"), CTX_SUBREQUEST when it names a subrequest.
 */
export const ERR_CONTEXT = 24;
/**
 * The id of the message's shape: its runs of four or more digits (not right after "(" or another digit, where an
 * errno would be) each turned into "#", interned with the same kind as the message. The message id itself when
 * the message has no such run. Equal shape ids mean equal classification keys (classKey in
 * src/evidence/errorlog/lines.ts), so a message seen for the first time can be known by its shape. Written only
 * for a message new to the intern table; a message id the table had already given has its own id here.
 */
export const ERR_SHAPE_ID = 25;
export const ERR_RECORD_INTS = 26;
/** Where the error-log core writes a message's shape before interning it (the last bytes of the record area). */
export const ERR_SCRATCH_BYTES = 512;
export const ERR_SCRATCH = RECORD_BASE + RECORD_BYTES - ERR_SCRATCH_BYTES;

export const CTX_REQUEST = 1;
export const CTX_SUBREQUEST = 2;
export const CTX_STREAM = 4;

/** The line has no `upstream:` context (its peer, if any, is named in the message). */
export const UPSTREAM_NONE = 0;
export const UPSTREAM_TCP = 1;
export const UPSTREAM_UNIX = 2;

/** Level indexes as the core writes them; ERROR_LEVEL_ORDER in src/nginx/errorlog/facts.ts names them. */
export const LEVEL_WARN = 0;
export const LEVEL_CRIT = 1;
export const LEVEL_INFO = 2;
export const LEVEL_ERROR = 3;
export const LEVEL_ALERT = 4;
export const LEVEL_EMERG = 5;
export const LEVEL_DEBUG = 6;
export const LEVEL_NOTICE = 7;

// ---- Access-log record: f64 slots; absent numbers are NaN, absent ids -1 ----

export const ACC_STATUS = 0;
/** The line (span). */
export const ACC_LINE = 1;
/** 1 when the time value has the same bytes as the previous split line's. */
export const ACC_SAME_TIME = 3;
/** The time value (span). */
export const ACC_TIME = 4;
/** $status and $request_time. */
export const ACC_HTTP_STATUS = 6;
export const ACC_REQUEST_TIME = 7;
/** Host id, then its span. */
export const ACC_HOST_ID = 8;
export const ACC_HOST = 9;
/** Location (first path segment) id, then its span. */
export const ACC_LOCATION_ID = 11;
export const ACC_LOCATION = 12;
/** Peer id (-1: the request reached no upstream), then its span. */
export const ACC_PEER_ID = 14;
export const ACC_PEER = 15;
export const ACC_UPSTREAM_STATUS = 17;
export const ACC_RESPONSE_TIME = 18;
export const ACC_HEADER_TIME = 19;
export const ACC_CONNECT_TIME = 20;
/**
 * -1: the line has one peer or none (ACC_PEER_ID says which). n >= 0: `$upstream_addr` is a list (", " between
 * the tries of a group, " : " between groups) and the n records after this one are its tries (ACC_TRY_* below);
 * this record then holds the last peer tried (ACC_PEER_ID, ACC_PEER; id -1 when every entry is "-"), its
 * status (ACC_UPSTREAM_STATUS, 0 when none) and the sum of the tries' response times (ACC_RESPONSE_TIME).
 */
export const ACC_TRIES = 21;
/** In a try record: 1 when a later try of its group followed it (failed in the chain), 2 when it was the last try of a group of several (served after a retry), else 0. */
export const ACC_TRY_CHAIN = 22;
/**
 * The interned id of the variable CFG_GROUP_VAR names (ingress-nginx's `$proxy_upstream_name`), then its span;
 * -1 when the format has none, or the value is empty or holds an escape (JavaScript reads that one itself).
 */
export const ACC_GROUP_ID = 23;
export const ACC_GROUP = 24;
/**
 * With CFG_LENGTH_VAR: 1 when the try's `$upstream_response_length` shows bytes from the peer, 0 when it is
 * "0", "-", empty or missing (in a line record with one peer, and in each try record).
 */
export const ACC_SENT = 26;
export const ACC_RECORD_DOUBLES = 27;
/** Tries of one line the core takes (longer lists go to JavaScript). */
export const ACC_MAX_TRIES = 32;
/** Status of a try record (the records after a line record whose ACC_TRIES is n > 0). */
export const LINE_TRY = 4;

// ---- Access-log format program: i32 slots at CONFIG_BASE (variable indexes, -1 when absent) ----

export const CFG_VARS = 0;
/** 1 for escape=json. */
export const CFG_JSON = 1;
/** Length of the literal before the first variable. */
export const CFG_LEAD = 2;
export const CFG_TIME_VAR = 3;
export const CFG_STATUS_VAR = 4;
export const CFG_REQUEST_TIME_VAR = 5;
export const CFG_REQUEST_VAR = 6;
export const CFG_HOST_VAR = 7;
export const CFG_UPSTREAM_ADDR_VAR = 8;
export const CFG_UPSTREAM_STATUS_VAR = 9;
export const CFG_RESPONSE_TIME_VAR = 10;
export const CFG_HEADER_TIME_VAR = 11;
export const CFG_CONNECT_TIME_VAR = 12;
/** A variable whose value the core interns for JavaScript (ACC_GROUP_ID): `$proxy_upstream_name`, or -1. */
export const CFG_GROUP_VAR = 13;
/** `$upstream_response_length` (ACC_SENT), or -1: read for ingress-nginx's table only. */
export const CFG_LENGTH_VAR = 14;
/** Per variable from here, CFG_VAR_SLOTS each: separator offset, separator length, fixed width, multi-value. */
export const CFG_VAR_TABLE = 16;
export const CFG_VAR_SLOTS = 4;
export const ACCESS_MAX_VARS = 64;
