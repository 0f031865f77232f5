import { findDirectives } from "../../../nginx/config/model.js";
import type { LintReport, LintRule } from "../types.js";

/** No stub_status: connection saturation cannot be watched or probed. */
export const noStubStatus: LintRule = {
  meta: {
    id: "no-stub-status",
    title: "No stub_status endpoint",
    kind: "lint",
    severity: "info",
    status: null,
    description:
      "stub_status shows active, reading, writing and waiting connections — the first place worker_connections exhaustion shows — and lets monitoring (and `badgateway probe`) compare them with the configured limits.",
    why: "Connection saturation is invisible.",
    fix: "Add a loopback-only endpoint: `location = /nginx_status { stub_status; allow 127.0.0.1; deny all; }`.",
    nginxVersions: "all (module ngx_http_stub_status_module, built in most packages)",
  },
  check(model) {
    if (!model.http?.block || model.passes.length === 0) return [];
    if (findDirectives(model, "stub_status").length > 0) return [];
    const out: LintReport[] = [{ directive: model.http.block, message: "no location serves stub_status" }];
    return out;
  },
};
