import { constants, createCipheriv, createHash, generateKeyPairSync, publicEncrypt, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { Canary, FlowRecord } from '@conformance/core';
import { makeFlow } from '@conformance/testing';
import { createFlowAnalyzer, type FlowContext } from './flow.js';

const context: FlowContext = { scenario: 'accept', phase: 'after-accept', destination: { kind: 'third-party' } };
const email: Canary = { category: 'contact.email', kind: 'email', value: 'li.na@example.cn' };
const analyze = createFlowAnalyzer({ canaries: [email] });

function post(body: string, contentType = 'application/json'): FlowRecord {
  const bytes = Buffer.from(body);
  return makeFlow('https://collect.vendor.test/v1/e', 10, {
    method: 'POST',
    headers: [['content-type', contentType]],
    body: {
      size: bytes.length,
      sha256: createHash('sha256').update(bytes).digest('hex'),
      encoding: 'base64',
      data: bytes.toString('base64'),
    },
  });
}

const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const b64url = (bytes: Buffer) => bytes.toString('base64url');

/** An SDK's envelope: AES-256-GCM over the event, the key wrapped with RSA-OAEP (as WebCrypto does it). */
function envelope(plaintext: object) {
  const key = randomBytes(32);
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const ct = Buffer.concat([cipher.update(JSON.stringify(plaintext)), cipher.final()]);
  const ek = publicEncrypt({ key: publicKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' }, key);
  return { key, iv, ct, tag: cipher.getAuthTag(), ek };
}

const event = {
  event: 'purchase',
  user: { email: 'li.na@example.cn', phone: '13812345678' },
  items: [{ sku: 'A-1', price: 9.99 }],
};

describe('field-level encryption (envelopes)', () => {
  it('a real AES-256-GCM envelope with an RSA-OAEP-wrapped key is encrypted, the fields named and measured', () => {
    const e = envelope(event);
    const body = JSON.stringify({
      v: 1,
      kid: 'k-2026-01',
      ek: e.ek.toString('base64'),
      iv: e.iv.toString('base64'),
      ct: e.ct.toString('base64'),
      tag: e.tag.toString('base64'),
    });
    const { findings, protection } = analyze(post(body), context);
    expect(findings).toEqual([]);
    expect(protection.class).toBe('encrypted');
    expect(protection.envelope?.shape).toBe('iv-ct-tag');
    expect(protection.envelope?.fields.map((field) => field.path)).toEqual(['body.json.ek|base64', 'body.json.ct|base64']);
    expect(protection.envelope?.fields[0]).toMatchObject({ bytes: 256 });
    expect(protection.envelope!.fields[0]!.entropy).toBeGreaterThan(0.85 * protection.envelope!.fields[0]!.ceiling);
    expect(protection.reasons.join('\n')).toMatch(/iv-ct-tag envelope.*ciphertext-like body\.json\.ek\|base64 \(256 bytes/);
  });

  it('the same envelope also carrying a readable e-mail is cleartext for that leaf', () => {
    const e = envelope(event);
    const body = JSON.stringify({
      v: 1,
      kid: 'k1',
      ek: e.ek.toString('base64'),
      iv: e.iv.toString('base64'),
      ct: e.ct.toString('base64'),
      tag: e.tag.toString('base64'),
      contact: 'li.na@example.cn',
    });
    const { findings, protection } = analyze(post(body), context);
    expect(protection.class).toBe('cleartext');
    expect(protection.envelope?.cleartextLeaves).toEqual(['body.json.contact']);
    expect(findings.map((finding) => [finding.path, finding.category, finding.protection])).toEqual([
      ['body.json.contact', 'contact.email', 'cleartext'],
    ]);
    expect(protection.reasons.join('\n')).toMatch(/readable personal data in body\.json\.contact: cleartext for that leaf/);
  });

  it('names the envelope by its wrapped key when the ciphertext itself is short', () => {
    const e = envelope({ e: 1 });
    const body = JSON.stringify({
      v: 1,
      kid: 'k1',
      ek: e.ek.toString('base64'),
      iv: e.iv.toString('base64'),
      ct: e.ct.toString('base64'),
    });
    const { protection } = analyze(post(body), context);
    expect([protection.class, protection.envelope?.shape]).toEqual(['encrypted', 'iv-ct-tag']);
    expect(protection.envelope?.fields.map((field) => field.path)).toEqual(['body.json.ek|base64']);
  });

  it('recognises JWE compact and JWE JSON serialization', () => {
    const e = envelope(event);
    const header = b64url(Buffer.from(JSON.stringify({ alg: 'RSA-OAEP-256', enc: 'A256GCM', kid: 'k1' })));
    const compact = [header, b64url(e.ek), b64url(e.iv), b64url(e.ct), b64url(e.tag)].join('.');
    const asText = analyze(post(compact, 'application/jose'), context).protection;
    expect([asText.class, asText.envelope?.shape]).toEqual(['encrypted', 'jwe-compact']);
    const inField = analyze(post(JSON.stringify({ jwe: compact, sdk: 'x/1.2' })), context).protection;
    expect([inField.class, inField.envelope?.shape]).toEqual(['encrypted', 'jwe-compact']);
    const json = JSON.stringify({
      protected: header,
      encrypted_key: b64url(e.ek),
      iv: b64url(e.iv),
      ciphertext: b64url(e.ct),
      tag: b64url(e.tag),
    });
    const serialized = analyze(post(json), context).protection;
    expect([serialized.class, serialized.envelope?.shape]).toEqual(['encrypted', 'jwe-json']);
  });

  it('base64 of readable JSON stays encoded; a token or hash inside a readable event leaves it cleartext', () => {
    const encoded = analyze(
      post(
        JSON.stringify({
          data: Buffer.from(JSON.stringify({ event: 'open', n: 3, page: '/home/articles/today' })).toString('base64'),
        }),
      ),
      context,
    ).protection;
    expect(encoded.class).toBe('encoded');
    expect(encoded.envelope).toBeUndefined();
    const readable = {
      event: 'page_view',
      session: randomBytes(32).toString('base64'),
      digest: createHash('sha256').update('x').digest('base64'),
      props: {
        url: 'https://news.example.test/articles/2026/01/01/headline',
        title: 'A headline about something',
        referrer: 'https://search.example/q?x=1',
      },
    };
    const event = analyze(post(JSON.stringify(readable)), context).protection;
    expect(event.class).toBe('cleartext');
    expect(event.envelope).toBeUndefined();
  });

  it('an event that merely has fields named n, data and a signature is not an envelope', () => {
    const body = JSON.stringify({
      n: 5,
      data: { event: 'open', page: '/home', title: 'Morning news', items: [1, 2, 3] },
      sig: randomBytes(32).toString('base64'),
    });
    const { protection } = analyze(post(body), context);
    expect(protection.class).toBe('cleartext');
    expect(protection.envelope).toBeUndefined();
  });

  it('unnamed high-entropy fields that make up the payload are encrypted; compressed or textual fields are not ciphertext', () => {
    const unnamed = analyze(post(JSON.stringify({ s: 2, blob: randomBytes(200).toString('base64') })), context).protection;
    expect([unnamed.class, unnamed.envelope?.shape]).toEqual(['encrypted', 'binary-fields']);
    const text = 'a readable sentence that is long enough to be more than thirty-two bytes';
    const notCipher = analyze(post(JSON.stringify({ s: 2, blob: Buffer.from(text).toString('base64') })), context).protection;
    expect(notCipher.envelope).toBeUndefined();
    const lowEntropy = analyze(post(JSON.stringify({ s: 2, blob: Buffer.alloc(200, 7).toString('base64') })), context).protection;
    expect(lowEntropy.envelope).toBeUndefined();
  });
});
