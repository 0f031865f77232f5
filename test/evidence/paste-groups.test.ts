import { describe, expect, it } from "vitest";
import { evidenceFromPaste } from "../../src/evidence/paste.js";

const paste = `$ curl -v http://10.0.0.5:8080/
*   Trying 10.0.0.5:8080...
* Failed to connect to 10.0.0.5 port 8080 after 0 ms: Connection refused
curl: (7) Failed to connect to 10.0.0.5 port 8080 after 0 ms: Connection refused
$ ls -l /run/php/
srwxr-xr-x 1 root root 0 Dec  6 10:00 /run/php/php8.2-fpm.sock
srw-rw-rw- 1 root root 0 Dec  6 10:00 /run/app.sock
`;

describe("error groups read from pasted command output", () => {
  const groups = evidenceFromPaste(paste).evidence.errorLog?.groups ?? [];

  it("curl -v: the class nginx would log, the peer, the failing line as sample, no request or time", () => {
    const g = groups.find((x) => x.origin === "curl");
    expect(g).toEqual({
      class: "connection-refused",
      peer: "10.0.0.5:8080",
      upstream: null,
      group: null,
      server: null,
      host: null,
      count: 1,
      first: null,
      last: null,
      samples: [{ text: "Failed to connect to 10.0.0.5 port 8080 after 0 ms: Connection refused" }],
      uris: [],
      details: ["from curl -v in the paste"],
      origin: "curl",
    });
  });

  it("ls -l: a socket the worker users cannot write is a permission group; a writable one is none", () => {
    const ls = groups.filter((x) => x.origin === "ls");
    expect(ls.map((x) => [x.class, x.peer, x.samples[0]?.text])).toEqual([
      [
        "unix-socket-permission",
        "unix:/run/php/php8.2-fpm.sock",
        "srwxr-xr-x root root /run/php/php8.2-fpm.sock",
      ],
    ]);
    expect(ls[0]?.details[0]).toMatch(/^not writable by www-data\/.* \(ls -l\)$/);
    expect([ls[0]?.count, ls[0]?.first, ls[0]?.uris]).toEqual([1, null, []]);
  });
});
