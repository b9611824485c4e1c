import { createDecipheriv, constants, privateDecrypt } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Analysis, AnalyzedFlow } from '@conformance/core';
import { describe, expect, it } from 'vitest';
import { analyzeBundle, noTrackers, readEvidenceBundle } from './index.js';

/**
 * The real-SDK payload corpus (test/data/real-sdks/<sdk>/, captured by test/corpus/generate.mjs):
 * what SDKs from npm really sent, behind the sinkhole, after the persona's e-mail and phone were
 * typed into the page and handed to each SDK's own user/identify call. These tests pin what the
 * analyzer makes of it today, per SDK: the identifiers and other personal data found (role,
 * category, where) and the protection class of each payload.
 */
const data = join(import.meta.dirname, '..', 'test', 'data', 'real-sdks');

async function analyze(sdk: string): Promise<Analysis> {
  return analyzeBundle(await readEvidenceBundle(join(data, sdk)), { trackers: noTrackers });
}

/** The SDK's own requests that carry something (preflights and bodiless GETs set aside). */
const payloads = (analysis: Analysis): AnalyzedFlow[] =>
  analysis.scenarios
    .flatMap((scenario) => scenario.flows)
    .filter((flow) => flow.destination.kind === 'declared-sdk' && flow.protection.subject !== 'none');

/** `role category @ path (detector)`, sorted and deduplicated across the SDK's flows. */
const found = (analysis: Analysis): string[] =>
  [
    ...new Set(
      payloads(analysis).flatMap((flow) =>
        // Records of a newline-delimited batch are told apart by their index only: `ndjson[*]`.
        flow.findings.map((f) => `${f.role} ${f.category} @ ${f.path.replace(/ndjson\[\d+\]/g, 'ndjson[*]')} (${f.detector})`),
      ),
    ),
  ].sort();

const classes = (analysis: Analysis): string[] => [...new Set(payloads(analysis).map((flow) => flow.protection.class))].sort();

describe('real-SDK payload corpus', () => {
  it('holds one captured bundle per SDK of the generator, each with planted persona canaries', async () => {
    expect(readdirSync(data).sort()).toEqual([
      'applicationinsights',
      'countly',
      'datadog',
      'envelope',
      'envelope-leaky',
      'firebase',
      'newrelic',
      'sentry',
    ]);
    for (const sdk of readdirSync(data)) {
      const bundle = await readEvidenceBundle(join(data, sdk));
      expect((bundle.canaries ?? []).map((c) => c.category)).toEqual(expect.arrayContaining(['contact.email', 'contact.phone']));
      expect(bundle.scenarios.map((s) => [s.scenario, s.status])).toEqual([['accept', 'completed']]);
    }
  });

  it('firebase: the installation id (IndexedDB) is found in the installation registration; no e-mail or phone leaves without gtag.js', async () => {
    const analysis = await analyze('firebase');
    expect(found(analysis)).toEqual([
      'identifier device-id.app-scoped @ body.fid (adapter:trackhar/google/firebaseinstallations)',
      'identifier device-id.app-scoped @ body.json.fid (canary:indexedDB:firebase-installations-database/firebase-installations-store.fid)',
    ]);
    expect(classes(analysis)).toEqual(['cleartext']);
    // Negative control: the user id and user property calls only queue into gtag.js's data layer.
    expect(analysis.findings.map((f) => f.category)).not.toContain('contact.email');
  });

  it('@datadog/browser-rum: every record of its NDJSON batches carries the e-mail as user id, the session and anonymous ids of its form-encoded cookie, the tab id and the phone', async () => {
    const analysis = await analyze('datadog');
    expect(found(analysis)).toEqual([
      'identifier contact.email @ body.ndjson[*].usr.id (canary:email)',
      'identifier device-id.app-scoped @ body.ndjson[*].session.id (canary:cookie:_dd_s_v2.id)',
      'identifier device-id.app-scoped @ body.ndjson[*].tab.id (canary:sessionStorage:_dd_tab_id)',
      'identifier device-id.app-scoped @ body.ndjson[*].usr.anonymous_id (canary:cookie:_dd_s_v2.aid)',
      'personal-data contact.email @ body.ndjson[*].usr.email (canary:email)',
      'personal-data contact.phone @ body.ndjson[*].context.phone (canary:phone)',
      'personal-data contact.phone @ body.ndjson[*].usr.phone (canary:phone)',
    ]);
    expect(classes(analysis)).toEqual(['cleartext']);
  });

  it('@sentry/browser: the phone as user id (session `did`, event `user.id`) and the e-mail, read record by record from its envelopes', async () => {
    const analysis = await analyze('sentry');
    expect(found(analysis)).toEqual([
      'identifier contact.phone @ body.ndjson[*].did (canary:phone)',
      'identifier contact.phone @ body.ndjson[*].user.id (canary:phone)',
      'personal-data contact.email @ body.ndjson[*].user.email (canary:email)',
    ]);
    expect(classes(analysis)).toEqual(['cleartext']);
    // Negative control: the first session envelope leaves before the user typed anything.
    const first = payloads(analysis).sort((a, b) => a.flow.startedAt - b.flow.startedAt)[0]!;
    expect(first.findings).toEqual([]);
  });

  it('countly-sdk-web: the device id kept in localStorage, as the device_id form field of every request', async () => {
    const analysis = await analyze('countly');
    expect(found(analysis)).toEqual([
      'identifier device-id.app-scoped @ body.form.device_id (canary:localStorage:5f8d1c2b3a4e6f7081928374655647382910abcd/cly_queue[0].device_id)',
    ]);
    expect(classes(analysis)).toEqual(['cleartext']);
  });

  it('@microsoft/applicationinsights-web: the e-mail as the authenticated user id, the ids of its `<id>|<time>` cookies, the phone as an event property', async () => {
    const analysis = await analyze('applicationinsights');
    expect(found(analysis)).toEqual([
      'identifier contact.email @ body.json[0].tags.ai.user.authUserId (canary:email)',
      'identifier device-id.app-scoped @ body.json[0].tags.ai.session.id (canary:cookie:ai_session[0])',
      'identifier device-id.app-scoped @ body.json[0].tags.ai.user.id (canary:cookie:ai_user[0])',
      'identifier device-id.app-scoped @ body.json[1].tags.ai.session.id (canary:cookie:ai_session[0])',
      'identifier device-id.app-scoped @ body.json[1].tags.ai.user.id (canary:cookie:ai_user[0])',
      'personal-data contact.phone @ body.json[0].data.baseData.properties.phone (canary:phone)',
    ]);
    expect(classes(analysis)).toEqual(['cleartext']);
  });

  it('@newrelic/browser-agent: its one RUM call carries the session id it keeps in a JSON blob in localStorage', async () => {
    const analysis = await analyze('newrelic');
    // Behind the sinkhole the RUM call gets no entitlement flags, so the agent harvests nothing
    // more: the user id (the e-mail) never leaves. The RUM call carries the session id in `s=`.
    expect(payloads(analysis).map((flow) => flow.flow.path.split('?')[0])).toEqual(['/1/NRJS-0123456789abcdef012']);
    expect(found(analysis)).toEqual([
      'identifier device-id.app-scoped @ query.s (canary:localStorage:NRBA_SESSION::45403254.value)',
    ]);
    expect(classes(analysis)).toEqual(['cleartext']);
    // What the agent says about automation: it looks for navigator.webdriver and reports it.
    expect(payloads(analysis)[0]!.flow.body.data).toBe('{"ja":{"webdriverDetected":false}}');
  });

  describe('a hand-written SDK that encrypts with WebCrypto (AES-GCM-256, key wrapped with RSA-OAEP SHA-256)', () => {
    /** The test key pair's private half: it opens the captured envelopes, to show what they hide. */
    const privateKey = readFileSync(join(import.meta.dirname, '..', 'test', 'corpus', 'envelope-test-key.pem'), 'utf8');

    /** The plaintext of a captured envelope, `{v,kid,ek,iv,ct}` or a flattened JWE JSON. */
    function open(body: string): string {
      const envelope = JSON.parse(body) as Record<string, string>;
      const jwe = 'protected' in envelope;
      const wrapped = Buffer.from(jwe ? envelope.encrypted_key! : envelope.ek!, jwe ? 'base64url' : 'base64');
      const key = privateDecrypt({ key: privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' }, wrapped);
      const iv = Buffer.from(envelope.iv!, jwe ? 'base64url' : 'base64');
      const sealed = jwe
        ? Buffer.concat([Buffer.from(envelope.ciphertext!, 'base64url'), Buffer.from(envelope.tag!, 'base64url')])
        : Buffer.from(envelope.ct!, 'base64');
      const decipher = createDecipheriv('aes-256-gcm', key, iv);
      decipher.setAuthTag(sealed.subarray(sealed.length - 16));
      if (jwe) decipher.setAAD(Buffer.from(envelope.protected!, 'ascii'));
      return Buffer.concat([decipher.update(sealed.subarray(0, sealed.length - 16)), decipher.final()]).toString('utf8');
    }

    /** Path, protection class, envelope shape and ciphertext-like fields of each payload, in order. */
    const envelopes = (analysis: Analysis) =>
      payloads(analysis)
        .sort((a, b) => a.flow.startedAt - b.flow.startedAt)
        .map((flow) => [
          flow.flow.path,
          flow.protection.class,
          flow.protection.envelope?.shape,
          flow.protection.envelope?.fields.map((field) => field.path),
        ]);

    it('its {v,kid,ek,iv,ct} and JWE JSON payloads are encrypted (envelope, the fields named), and the planted canaries inside them are not found', async () => {
      const bundle = await readEvidenceBundle(join(data, 'envelope'));
      const analysis = analyzeBundle(bundle, { trackers: noTrackers });
      const v1 = ['body.json.ek|base64', 'body.json.ct|base64'];
      expect(envelopes(analysis)).toEqual([
        ['/v1/events', 'encrypted', 'iv-ct-tag', v1],
        ['/v1/events', 'encrypted', 'iv-ct-tag', v1],
        ['/v2/events', 'encrypted', 'jwe-json', ['body.json.encrypted_key|base64', 'body.json.ciphertext|base64']],
      ]);
      expect(found(analysis)).toEqual([]);
      expect(analysis.findings).toEqual([]);
      // The canaries are there, inside the ciphertext: the e-mail, the phone and the device id the
      // SDK keeps in localStorage (itself a canary) in both events sent after the form.
      const planted = (bundle.canaries ?? []).flatMap((canary) => ('value' in canary ? [canary] : []));
      const values = ['contact.email', 'contact.phone'].map((category) => planted.find((c) => c.category === category)!.value);
      const deviceId = planted.find((c) => c.kind === 'localStorage:envelope_device_id')!.value;
      const plaintexts = payloads(analysis)
        .sort((a, b) => a.flow.startedAt - b.flow.startedAt)
        .map((flow) => open(flow.flow.body.data!));
      for (const plaintext of plaintexts) expect(plaintext).toContain(deviceId);
      for (const plaintext of plaintexts.slice(1)) for (const value of values) expect(plaintext).toContain(JSON.stringify(value));
      for (const flow of payloads(analysis))
        for (const value of [...values, deviceId]) expect(flow.flow.body.data).not.toContain(value);
    });

    it('negative control: the same SDK with the e-mail readable beside the envelope is cleartext for that leaf', async () => {
      const analysis = await analyze('envelope-leaky');
      const v1 = ['body.json.ek|base64', 'body.json.ct|base64'];
      expect(envelopes(analysis)).toEqual([
        // The session event leaves before the user typed anything: nothing readable beside it.
        ['/v1/events', 'encrypted', 'iv-ct-tag', v1],
        ['/v1/events', 'cleartext', 'iv-ct-tag', v1],
        ['/v2/events', 'encrypted', 'jwe-json', ['body.json.encrypted_key|base64', 'body.json.ciphertext|base64']],
      ]);
      expect(found(analysis)).toEqual(['personal-data contact.email @ body.json.email (canary:email)']);
      const leaky = payloads(analysis).find((flow) => flow.protection.class === 'cleartext')!;
      expect(leaky.protection.envelope?.cleartextLeaves).toEqual(['body.json.email']);
      expect(leaky.protection.reasons.join('\n')).toContain('readable personal data in body.json.email');
    });
  });
});
