/**
 * Groups of error classes that more than one reader or rule asks about, named once. Pure.
 */
import type { ErrorClass } from "./taxonomy.js";

/**
 * What nginx logs when the backend itself is gone or going: nothing listens (refused, socket missing or full),
 * or an open connection broke or went quiet. (A TLS "peer closed" is a detail of tls-handshake, not a class.) The systemd lookup asks about the peers of these lines, and the
 * backend-died rule joins them to a death in the journal.
 */
export const BACKEND_GONE_CLASSES: readonly ErrorClass[] = [
  "connection-refused",
  "unix-socket-missing",
  "unix-socket-busy",
  "premature-close",
  "connection-reset",
  "read-timeout",
  "connect-timeout",
];

/**
 * What nginx logs when the address it holds for a backend no longer answers as the backend: the failures of a
 * stale DNS answer, or of a Kubernetes endpoint whose pod has gone.
 */
export const STALE_ADDRESS_CLASSES: readonly ErrorClass[] = [
  "connection-refused",
  "connect-timeout",
  "host-unreachable",
  "network-unreachable",
  "read-timeout",
];
