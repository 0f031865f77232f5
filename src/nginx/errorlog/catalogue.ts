/**
 * What each error class means for an operator: a title, what happened, which root causes fit (ids of
 * the cause rules in src/rules/causes), what to check next and how to fix it. Used by `explain`.
 */
import type { ErrorClass } from "./taxonomy.js";

export interface ClassInfo {
  title: string;
  /** What happened, in one or two sentences. */
  meaning: string;
  /** Cause rule ids that fit this line, most likely first. */
  causes: string[];
  /** Commands to run next; PEER, PORT, HOST, PATH are filled from the line. */
  checks: string[];
  fix: string;
  /** Why the client got this status. */
  statusWhy: string;
}

export const CLASS_INFO: Record<ErrorClass, ClassInfo> = {
  "connection-refused": {
    title: "Connection refused by the upstream",
    meaning:
      "nginx reached the upstream host, but nothing accepted connections on that port (or unix socket).",
    causes: ["upstream-down", "wrong-port", "dns-stale"],
    checks: [
      "ss -tlnp | grep ':PORT '",
      "curl -sv http://PEER/ -o /dev/null",
      "systemctl status <backend service>",
    ],
    fix: "Start the backend, or point proxy_pass/upstream at the port it really listens on.",
    statusWhy:
      "a failed connect is an `error` for proxy_next_upstream: nginx tries the next peer if there is one, else 502.",
  },
  "connect-timeout": {
    title: "Timed out connecting to the upstream",
    meaning: "The TCP (or TLS) handshake with the upstream did not finish within proxy_connect_timeout.",
    causes: ["upstream-timeout", "upstream-down", "dns-stale"],
    checks: ["nc -vz -w 3 HOST PORT", "ping -c 3 HOST", "nstat -az TcpExtListenOverflows   # on the backend"],
    fix: "Bring the backend host back or fix the network path (firewall, security group, routing); keep the connect timeout short so nginx fails over fast.",
    statusWhy: "timeouts become 504 Gateway Timeout unless another peer answers.",
  },
  "read-timeout": {
    title: "Upstream too slow to answer",
    meaning:
      "The connection worked and the request was sent, but the upstream sent nothing for longer than proxy_read_timeout.",
    causes: ["upstream-timeout"],
    checks: [
      "curl -s -o /dev/null -w '%{time_starttransfer}\\n' http://PEER/PATH",
      "the backend's slow-request / slow-query logs",
    ],
    fix: "Make the backend answer faster (or fix what hangs it); raise proxy_read_timeout only for endpoints that are slow by design.",
    statusWhy: "timeouts become 504 Gateway Timeout.",
  },
  "send-timeout": {
    title: "Upstream stopped accepting the request",
    meaning:
      "nginx could not write the request (usually a large body) to the upstream within proxy_send_timeout.",
    causes: ["upstream-timeout"],
    checks: ["the backend's worker/thread saturation", "request body sizes for the URI"],
    fix: "Find why the backend stops reading (saturated workers, slow disk); consider request buffering and larger timeouts for uploads.",
    statusWhy: "timeouts become 504 Gateway Timeout.",
  },
  "host-unreachable": {
    title: "Upstream host unreachable",
    meaning:
      "The kernel has no route to the upstream host (ICMP host unreachable, or the host is down on the local network).",
    causes: ["upstream-down", "dns-stale"],
    checks: ["ip route get HOST", "ping -c 3 HOST"],
    fix: "Bring the host back or fix routing; if the address is old, update DNS or the config and reload nginx.",
    statusWhy: "a connect error: next peer, else 502.",
  },
  "network-unreachable": {
    title: "Upstream network unreachable",
    meaning:
      "There is no route to the upstream's network at all (often an IPv6 address on a host without IPv6 routing).",
    causes: ["upstream-down", "dns-stale"],
    checks: ["ip route get HOST", "ip -6 route"],
    fix: "Fix routing, or make nginx use an address family that works (e.g. `resolver … ipv6=off`).",
    statusWhy: "a connect error: next peer, else 502.",
  },
  "dns-failure": {
    title: "Upstream name could not be resolved",
    meaning: "nginx's resolver (or getaddrinfo at start-up) got no address for the upstream's hostname.",
    causes: ["dns-unresolvable", "dns-stale"],
    checks: ["dig +short NAME @RESOLVER", "getent hosts NAME"],
    fix: "Fix the name or the DNS record, or the resolver address nginx uses.",
    statusWhy:
      "no peer can be chosen, so the request fails with 502 (at start-up: nginx refuses the configuration).",
  },
  "no-resolver": {
    title: "No resolver for a proxy_pass with variables",
    meaning:
      "proxy_pass contains a variable, so nginx must resolve the host per request, but no `resolver` is configured.",
    causes: ["no-resolver"],
    checks: ["nginx -T | grep -n -e resolver -e proxy_pass"],
    fix: "Add `resolver <dns-ip> valid=30s;` where the proxy_pass is, or use an upstream{} block / literal address.",
    statusWhy: "no peer can be chosen: 502.",
  },
  "invalid-response": {
    title: "Upstream sent an invalid response",
    meaning: "The upstream answered, but not with a valid HTTP (or FastCGI/uwsgi/SCGI/gRPC) response header.",
    causes: ["invalid-response", "scheme-mismatch"],
    checks: [
      "curl -sv http://PEER/PATH -o /dev/null",
      "printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc HOST PORT | head -c 200 | xxd | head",
    ],
    fix: "Make sure the port speaks the protocol nginx uses (HTTP vs TLS, FastCGI vs HTTP) and that the backend does not crash mid-response.",
    statusWhy:
      "an invalid header is not retried by default (needs `invalid_header` in proxy_next_upstream): 502.",
  },
  "too-big-header": {
    title: "Upstream response header larger than the buffer",
    meaning:
      "The response header did not fit into proxy_buffer_size (fastcgi_buffer_size…), default one memory page.",
    causes: ["too-big-header"],
    checks: ["curl -s -D - -o /dev/null http://PEER/PATH | wc -c"],
    fix: "Raise proxy_buffer_size/proxy_buffers (e.g. 16k) for that location, and trim oversized cookies/headers in the app.",
    statusWhy: "treated like an invalid header: not retried by default, 502.",
  },
  "premature-close": {
    title: "Upstream closed the connection early",
    meaning:
      "The upstream closed the connection before sending a complete response: a crash, a killed worker, a timeout inside the backend, or a keepalive race.",
    causes: ["invalid-response", "scheme-mismatch"],
    checks: [
      "the backend's logs at this time (crash, OOM kill, worker timeout)",
      "journalctl -k | grep -i oom",
    ],
    fix: "Fix the crash or worker timeout in the backend; make the backend's keepalive timeout longer than nginx's upstream keepalive_timeout.",
    statusWhy: "counts as an `error`: next peer if the request can be retried, else 502.",
  },
  "connection-reset": {
    title: "Upstream reset the connection",
    meaning: "The upstream (or something in between) sent a TCP reset while nginx was talking to it.",
    causes: ["invalid-response", "scheme-mismatch"],
    checks: ["the backend's logs at this time", "ss -ti dst HOST"],
    fix: "Find why the backend resets (crash, restart, idle-connection reaping, proxy in between); align keepalive timeouts.",
    statusWhy: "counts as an `error`: next peer if possible, else 502.",
  },
  "broken-pipe": {
    title: "Upstream closed while nginx was sending",
    meaning: "The upstream closed the connection while nginx was still writing the request.",
    causes: ["invalid-response"],
    checks: ["the backend's request size limits and logs"],
    fix: "Check request body limits and crashes in the backend.",
    statusWhy: "counts as an `error`: next peer if possible, else 502.",
  },
  "tls-handshake": {
    title: "TLS handshake with the upstream failed",
    meaning:
      "nginx could not complete the TLS handshake with the upstream: protocol/cipher mismatch, missing SNI, or the port does not speak TLS at all.",
    causes: ["scheme-mismatch", "tls-upstream"],
    checks: [
      "openssl s_client -connect PEER -servername HOST </dev/null",
      "curl -sv http://PEER/ -o /dev/null   # plain HTTP there?",
    ],
    fix: "Use http:// if the port is plain HTTP; otherwise enable proxy_ssl_server_name and align proxy_ssl_protocols/ciphers.",
    statusWhy: "counts as an `error`: next peer, else 502.",
  },
  "tls-verify": {
    title: "Upstream certificate rejected",
    meaning:
      "With proxy_ssl_verify on, nginx could not verify the upstream's certificate (unknown CA, self-signed, expired, or wrong name).",
    causes: ["tls-upstream"],
    checks: ["openssl s_client -connect PEER -servername HOST -CAfile CA.pem </dev/null | grep Verify"],
    fix: "Point proxy_ssl_trusted_certificate at the right CA and set proxy_ssl_name/proxy_ssl_server_name; or fix the backend's certificate.",
    statusWhy: "a failed handshake is an `error`: next peer, else 502.",
  },
  "unix-socket-missing": {
    title: "Upstream unix socket does not exist",
    meaning:
      "The unix socket file in fastcgi_pass/proxy_pass is not there: the backend (often PHP-FPM) is stopped or uses another path.",
    causes: ["unix-socket-missing"],
    checks: ["ls -l PATH", "grep -R '^listen' /etc/php/*/fpm/pool.d/", "systemctl status php*-fpm"],
    fix: "Start the backend and make nginx's path match its `listen` setting.",
    statusWhy: "a connect error (logged at [crit]): next peer, else 502.",
  },
  "unix-socket-permission": {
    title: "nginx may not connect to the unix socket",
    meaning:
      "The socket exists, but the nginx worker user lacks write permission on it (or search permission on a parent directory).",
    causes: ["unix-socket-permission"],
    checks: ["ls -l PATH", "namei -l PATH", "ps -o user= -C nginx | sort -u"],
    fix: "Give the worker user access: listen.owner/listen.group/listen.mode (PHP-FPM) or a shared group with mode 0660.",
    statusWhy: "a connect error (logged at [crit]): next peer, else 502.",
  },
  "unix-socket-busy": {
    title: "Upstream unix socket backlog full",
    meaning:
      "connect() to the unix socket returned EAGAIN: the backend's listen queue is full because all its workers are busy.",
    causes: ["upstream-overloaded"],
    checks: ["the backend's status page (PHP-FPM pm.status_path)", "ss -xl | grep PATH"],
    fix: "Add backend capacity (pm.max_children), speed up slow requests, raise listen.backlog and net.core.somaxconn.",
    statusWhy: "a connect error: next peer, else 502.",
  },
  "permission-denied": {
    title: "Connection to the upstream denied by the OS",
    meaning:
      "connect() on a TCP socket failed with EACCES: a local security policy (SELinux, AppArmor, an owner-match firewall rule) blocks nginx.",
    causes: ["permission-denied"],
    checks: ["getsebool httpd_can_network_connect", "ausearch -m avc -ts recent"],
    fix: "Allow it: `setsebool -P httpd_can_network_connect 1` (SELinux) or the equivalent policy change.",
    statusWhy: "a connect error: next peer, else 502.",
  },
  "worker-connections": {
    title: "nginx ran out of worker_connections",
    meaning:
      "A worker needed a connection slot (for a client or an upstream) and all worker_connections were in use.",
    causes: ["connection-limit"],
    checks: ["nginx -T | grep -E 'worker_(connections|processes)'", "curl -s http://127.0.0.1/nginx_status"],
    fix: "Raise worker_connections (and worker_rlimit_nofile to at least twice that); use upstream keepalive.",
    statusWhy: "nginx cannot even open the upstream connection: the client gets 500, not 502.",
  },
  "too-many-open-files": {
    title: "nginx ran out of file descriptors",
    meaning: "socket() or accept() failed with EMFILE/ENFILE: the worker reached its open-file limit.",
    causes: ["fd-limit"],
    checks: [
      "grep 'Max open files' /proc/$(pgrep -f 'nginx: worker' | head -1)/limits",
      "nginx -T | grep worker_rlimit_nofile",
    ],
    fix: "Set worker_rlimit_nofile (≥ 2 × worker_connections) and the service's LimitNOFILE, then restart nginx.",
    statusWhy:
      "on the upstream side socket() fails with an internal error: 500; on the accept side clients are not served at all.",
  },
  "address-not-available": {
    title: "No local address/port available for the upstream connection",
    meaning:
      "connect() failed with EADDRNOTAVAIL (or EAGAIN on TCP): the local ephemeral ports toward that upstream are exhausted, usually by TIME_WAIT.",
    causes: ["ephemeral-ports"],
    checks: ["ss -tan state time-wait | wc -l", "cat /proc/sys/net/ipv4/ip_local_port_range"],
    fix: 'Enable upstream keepalive (keepalive N; proxy_http_version 1.1; proxy_set_header Connection ""), widen ip_local_port_range.',
    statusWhy: "a connect error: next peer, else 502.",
  },
  "no-live-upstreams": {
    title: "No live servers left in the upstream group",
    meaning:
      "Every server of the upstream group is marked failed (max_fails within fail_timeout) or down, so nginx did not even try.",
    causes: ["no-live-upstreams"],
    checks: [
      "nginx -T | grep -A8 'upstream NAME'",
      "the error lines just before the first 'no live upstreams'",
    ],
    fix: "Fix why the peers failed; then add capacity/backup servers and tune max_fails/fail_timeout.",
    statusWhy: "no peer to try: 502 at once.",
  },
  "fastcgi-stderr": {
    title: "The FastCGI application wrote to stderr",
    meaning:
      "PHP-FPM (or another FastCGI app) sent a message on stderr; nginx logs it. 'Primary script unknown' means the script path was wrong.",
    causes: ["fastcgi-script-path"],
    checks: ["nginx -T | grep -n SCRIPT_FILENAME", "ls -l $document_root$fastcgi_script_name"],
    fix: "For 'Primary script unknown': set SCRIPT_FILENAME to $document_root$fastcgi_script_name (include fastcgi.conf) with the right root; other messages are the application's own errors.",
    statusWhy:
      "the line itself does not decide the status: the application's response does (often 404 or 500).",
  },
  "not-upstream": {
    title: "Not an upstream failure",
    meaning:
      "nginx logged something unrelated to talking to upstreams (client errors, files, configuration notices).",
    causes: [],
    checks: [],
    fix: "Nothing for 502/504 here.",
    statusWhy: "this line is not about an upstream.",
  },
};
