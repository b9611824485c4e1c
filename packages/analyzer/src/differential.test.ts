import { createHash, randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { EvidenceBundle, FlowRecord } from '@conformance/core';
import { makeFlow, makeManifest, makeScenario, mark } from '@conformance/testing';
import { analyzeBundle } from './analyze.js';
import { isIdentifierCandidate } from './differential.js';

const page = 'https://app.example.test/index.html';
const build = 'build-7f3a9c2e11d04b6b9e8f';
const urlHash = createHash('sha256').update(page).digest('hex');

function event(at: number, ids: { person: string; session: string }): FlowRecord {
  const body = JSON.stringify({
    distinct_id: ids.person,
    $session_id: ids.session,
    $insert_id: randomUUID(),
    build,
    page_hash: urlHash,
    ts: String(1_717_171_717_000 + at),
    lib_version: '1.130.2',
    $current_url: page,
  });
  return makeFlow('https://t.tracker.test/e', at, {
    method: 'POST',
    headers: [['referer', page]],
    body: { size: body.length, sha256: createHash('sha256').update(body).digest('hex'), encoding: 'utf8', data: body },
  });
}

const refuse = {
  person: 'p_0193c2a1b7e44f0c9d12ab34',
  before: 's_0193c2a1b8aa7d11e0f3cd57',
  after: 's_0193c2a1c9bb8e22f104de68',
};
const acceptPerson = 'p_0193c2a2f3d17a9e8b45ef90';

function bundle(): EvidenceBundle {
  return {
    manifest: makeManifest(),
    scenarios: [
      makeScenario(
        'refuse',
        [
          event(100, { person: refuse.person, session: refuse.before }),
          event(900, { person: refuse.person, session: refuse.before }),
          event(5_100, { person: refuse.person, session: refuse.after }),
          event(5_900, { person: refuse.person, session: refuse.after }),
        ],
        [mark('launch', 0), mark('consent-reject', 50), mark('relaunch', 5_000)],
      ),
      makeScenario('accept', [
        event(200, { person: acceptPerson, session: 's_0193c2a2f4e28b0f9c56f0a1' }),
        event(700, { person: acceptPerson, session: 's_0193c2a2f4e28b0f9c56f0a1' }),
      ]),
    ],
  };
}

describe('differential identifier discovery', () => {
  it('a value equal across a relaunch and different in another fresh profile is a persistent identifier, with its evidence and findings', () => {
    const analysis = analyzeBundle(bundle());
    const persistent = analysis.identifiers!.filter((id) => id.scope === 'persistent');
    expect(persistent).toHaveLength(1);
    expect(persistent[0]).toMatchObject({
      scenario: 'refuse',
      slot: { host: 't.tracker.test', path: 'body.json.distinct_id' },
      comparedWith: [{ scenario: 'accept', afterRelaunch: null }],
    });
    expect(persistent[0]!.sightings.map((s) => s.afterRelaunch)).toEqual([false, false, true, true]);
    const findings = analysis.findings.filter((finding) => finding.detector === 'differential');
    expect(findings.map((f) => [f.scenario, f.path, f.category, f.role, f.detectorKind])).toEqual(
      Array.from({ length: 4 }, () => ['refuse', 'body.json.distinct_id', 'device-id.app-scoped', 'identifier', 'differential']),
    );
  });

  it('a value that changed on relaunch is session-scoped; build ids, URL hashes, timestamps, versions and per-event ids are not identifiers', () => {
    const identifiers = analyzeBundle(bundle()).identifiers!;
    const session = identifiers.filter((id) => id.scope === 'session');
    expect(session.map((id) => [id.slot.path, id.sightings.length])).toEqual([
      ['body.json.$session_id', 2],
      ['body.json.$session_id', 2],
    ]);
    const paths = identifiers.map((id) => id.slot.path);
    for (const path of [
      'body.json.build',
      'body.json.page_hash',
      'body.json.ts',
      'body.json.$insert_id',
      'body.json.lib_version',
    ])
      expect(paths).not.toContain(path);
  });

  it('without a relaunch, or without another profile to compare with, nothing is claimed', () => {
    const noRelaunch = bundle();
    noRelaunch.scenarios[0]!.timeline = noRelaunch.scenarios[0]!.timeline.filter((entry) => entry.action !== 'relaunch');
    expect(analyzeBundle(noRelaunch).identifiers).toEqual([]);
    const alone = bundle();
    alone.scenarios = [alone.scenarios[0]!];
    expect(analyzeBundle(alone).identifiers!.filter((id) => id.scope === 'persistent')).toEqual([]);
    expect(analyzeBundle(alone).findings.filter((f) => f.detector === 'differential')).toEqual([]);
  });

  it('candidates: ids yes; timestamps, versions, dates, words no', () => {
    for (const value of [
      'p_0193c2a1b7e44f0c9d12ab34',
      '018f2c1e-7b4a-7c3d-9e2f-5a6b7c8d9e0f',
      'GA1.2.1234567890.1717171717',
      '1234567890123456789',
    ])
      expect(isIdentifierCandidate(value), value).toBe(true);
    for (const value of [
      '1717171717000',
      '1.130.2',
      '2026-01-01T10:00:00.000Z',
      'application_json',
      'aaaaaaaaaaaaaaaa1',
      'https://a.example/x1234567890',
    ])
      expect(isIdentifierCandidate(value), value).toBe(false);
  });
});
