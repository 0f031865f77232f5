/**
 * What a bundle directory (from `badgateway collect`) holds, listed under the bundle's rules: only regular files
 * inside it, each under its size cap.
 */
import { readdirSync } from "node:fs";
import { basename, join } from "node:path";
import {
  type BundleLimits,
  bundleRoot,
  checkBundleFile,
  DEFAULT_BUNDLE_LIMITS,
  MAX_META_BYTES,
  readBundleText,
} from "./bundle.js";
import { orderRotated } from "./input.js";

export interface BundleFiles {
  /** The bundle directory's real path (only files inside it are read). */
  root: string;
  /** Access log (real path) → the log_format name `collect` recorded for it in bundle.json `files`. */
  accessFormats: Map<string, string>;
  nginxT: string | null;
  config: string | null;
  errorLogs: string[];
  accessLogs: string[];
  probe: string | null;
  /** backends.json: the units behind failing peers and their journal excerpts, recorded by `collect`. */
  backends: string | null;
  /** Recorded cluster facts for ingress-nginx bundles (the `kubernetes` object of `diagnose --kubectl --json`). */
  kubernetes: string | null;
  meta: Record<string, unknown> | null;
}

/**
 * Lists what a bundle directory holds (see `badgateway collect`). Bundles are untrusted: every file it returns
 * has been checked to be a regular file inside the bundle and under its size cap (see bundle.ts); anything
 * else throws a BundleError naming the file.
 */
export function readBundleDir(dir: string, limits: BundleLimits = DEFAULT_BUNDLE_LIMITS): BundleFiles {
  const root = bundleRoot(dir);
  let names: string[];
  try {
    names = readdirSync(root);
  } catch (e) {
    throw new Error(`cannot read bundle ${dir}: ${(e as Error).message}`);
  }
  const log = (n: string) => checkBundleFile(root, join(root, n), limits.maxFileSize, "--max-file-size", n);
  const conf = (n: string) =>
    checkBundleFile(root, join(root, n), limits.maxConfigSize, "--max-config-size", n);
  const pick = (re: RegExp) =>
    orderRotated(names.filter((n) => re.test(n)).map((n) => join(root, n))).map((p) => log(basename(p)));
  let meta: Record<string, unknown> | null = null;
  if (names.includes("bundle.json")) {
    const text = readBundleText(
      checkBundleFile(root, join(root, "bundle.json"), MAX_META_BYTES, "(fixed 1 MiB cap)"),
      MAX_META_BYTES,
      "(fixed 1 MiB cap)",
      "bundle.json",
    );
    try {
      meta = JSON.parse(text) as Record<string, unknown>;
    } catch {
      meta = null;
    }
  }
  const accessLogs = pick(/^access\.log(\.\d+)?(\.gz)?$/);
  const accessFormats = new Map<string, string>();
  const recorded = Array.isArray(meta?.["files"]) ? (meta?.["files"] as unknown[]) : [];
  for (const f of recorded) {
    const e = f as { name?: unknown; format?: unknown };
    if (typeof e?.name !== "string" || typeof e.format !== "string" || !/^access\.log(\.\d+)?$/.test(e.name))
      continue;
    const real = accessLogs.find((p) => basename(p) === e.name);
    if (real) accessFormats.set(real, e.format);
  }
  return {
    root,
    nginxT: names.includes("nginx-T.txt") ? conf("nginx-T.txt") : null,
    config: names.includes("nginx.conf") ? conf("nginx.conf") : null,
    errorLogs: pick(/^error\.log(\.\d+)?(\.gz)?$/),
    accessLogs,
    accessFormats,
    probe: names.includes("probe.json") ? conf("probe.json") : null,
    backends: names.includes("backends.json") ? conf("backends.json") : null,
    kubernetes: names.includes("kubernetes.json") ? conf("kubernetes.json") : null,
    meta,
  };
}
