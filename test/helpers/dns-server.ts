/**
 * A tiny DNS server on 127.0.0.1 for tests: answers every A query with `answer()` (an IPv4 address), or with
 * NXDOMAIN when it returns null. Only what nginx's resolver and node's dns.Resolver need.
 */
import dgram from "node:dgram";

export async function startDnsServer(
  answer: () => string | null,
  port = 0,
): Promise<{ port: number; stop: () => void }> {
  const sock = dgram.createSocket("udp4");
  sock.on("message", (q, rinfo) => {
    const qdEnd = q.indexOf(0, 12) + 5; // end of the first question (name, type, class)
    const header = Buffer.from(q.subarray(0, 12));
    const ip = answer();
    header.writeUInt16BE(ip ? 0x8180 : 0x8183, 2); // response + recursion available; rcode 3 = NXDOMAIN
    header.writeUInt16BE(ip ? 1 : 0, 6);
    header.writeUInt16BE(0, 8);
    header.writeUInt16BE(0, 10);
    const parts = [header, q.subarray(12, qdEnd)];
    if (ip) {
      const rr = Buffer.alloc(16);
      rr.writeUInt16BE(0xc00c, 0); // pointer to the question name
      rr.writeUInt16BE(1, 2); // A
      rr.writeUInt16BE(1, 4); // IN
      rr.writeUInt32BE(30, 6); // TTL
      rr.writeUInt16BE(4, 10);
      for (const [i, o] of ip.split(".").entries()) rr.writeUInt8(Number(o), 12 + i);
      parts.push(rr);
    }
    sock.send(Buffer.concat(parts), rinfo.port, rinfo.address);
  });
  await new Promise<void>((r) => sock.bind(port, "127.0.0.1", () => r()));
  return { port: sock.address().port, stop: () => sock.close() };
}
