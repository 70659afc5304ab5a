/**
 * The STUN framing of verify's TURN client (verify/stun-message.ts) for the relayed data the lab's 1:1 TURN path
 * sends (issue #29): message types as RFC 8656 §18 lists them, and a Data indication read back as a peer sends it.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { describe, it } from "node:test";
import {
  ATTR,
  INDICATION,
  METHOD,
  decode,
  encode,
  encodeXorAddress,
  methodAndClass,
  xorAddress,
} from "../verify/stun-message";

describe("STUN framing of relayed data (RFC 8656)", () => {
  it("Send and Data indications have the types RFC 8656 §18 gives them (0x0016, 0x0017)", () => {
    const send = encode(METHOD.send, INDICATION, randomBytes(12), []);
    const data = encode(METHOD.data, INDICATION, randomBytes(12), []);
    assert.equal(send.readUInt16BE(0), 0x0016);
    assert.equal(data.readUInt16BE(0), 0x0017);
    // And the requests the client already sends: Allocate 0x0003, CreatePermission 0x0008 (RFC 8656 §18).
    assert.equal(encode(METHOD.allocate, 0, randomBytes(12), []).readUInt16BE(0), 0x0003);
    assert.equal(encode(METHOD.createPermission, 0, randomBytes(12), []).readUInt16BE(0), 0x0008);
  });

  it("a type's method and class come back out of it, a success response's too (0x0103: Allocate success)", () => {
    assert.deepEqual(methodAndClass(encode(METHOD.data, INDICATION, randomBytes(12), [])), {
      method: METHOD.data,
      klass: INDICATION,
    });
    const success = Buffer.alloc(20);
    success.writeUInt16BE(0x0103, 0);
    assert.deepEqual(methodAndClass(success), { method: METHOD.allocate, klass: 2 });
  });

  it("a Data indication carries the peer's address and the data, readable as sent", () => {
    const message = encode(METHOD.data, INDICATION, randomBytes(12), [
      [ATTR.xorPeerAddress, encodeXorAddress("198.19.1.2", 49170)],
      [ATTR.data, Buffer.from("datagram 7")],
    ]);
    const decoded = decode(message);
    assert.deepEqual(xorAddress(decoded.attributes.get(ATTR.xorPeerAddress)!), {
      address: "198.19.1.2",
      port: 49170,
    });
    assert.equal(decoded.attributes.get(ATTR.data)!.toString(), "datagram 7");
  });
});
