import { describe, expect, it } from 'vitest';
import keywords from '../data/ui-keywords.json' with { type: 'json' };
import {
  classifyText,
  CONFIDENCE_THRESHOLD,
  scoreConsent,
  type UiContainer,
  type UiControl,
  type UiSnapshot,
} from './heuristics.js';

const viewport = { width: 412, height: 915 };
const rect = (y = 700) => ({ x: 20, y, width: 160, height: 44 });
const banner = (text: string, kind: UiContainer['kind'] = 'banner'): UiContainer => ({
  selector: '#banner',
  text,
  kind,
  rect: { x: 0, y: 600, width: 412, height: 315 },
});
const button = (selector: string, text: string, container: number | null = 0, role: UiControl['role'] = 'button'): UiControl => ({
  selector,
  text,
  role,
  rect: rect(),
  container,
});
const snapshot = (containers: UiContainer[], controls: UiControl[]): UiSnapshot => ({ viewport, containers, controls });

describe('classifyText', () => {
  it('reads accept, reject and settings words in several languages', () => {
    const cases: [string, string][] = [
      ['Accept all', 'accept'],
      ['Reject all', 'reject'],
      ['Manage preferences', 'settings'],
      ['同意', 'accept'],
      ['不同意', 'reject'],
      ['拒绝', 'reject'],
      ['设置', 'settings'],
      ['Alle akzeptieren', 'accept'],
      ['Alle ablehnen', 'reject'],
      ['Einstellungen', 'settings'],
      ['Tout accepter', 'accept'],
      ['Tout refuser', 'reject'],
      ['Personnaliser', 'settings'],
      ['Aceptar todo', 'accept'],
      ['Rechazar todo', 'reject'],
      ['Configuración', 'settings'],
      ['Do not consent', 'reject'],
    ];
    for (const [text, kind] of cases) expect([text, classifyText(text, keywords)?.kind]).toEqual([text, kind]);
  });

  it('matches Latin words on word boundaries only', () => {
    expect(classifyText('Book a table', keywords)).toBeUndefined();
    expect(classifyText('Allowance calculator', keywords)).toBeUndefined();
    expect(classifyText('OK', keywords)?.kind).toBe('accept');
  });
});

describe('scoreConsent', () => {
  it('finds an English cookie banner with accept and reject (positive control)', () => {
    const result = scoreConsent(
      snapshot(
        [banner('We use cookies to measure traffic. Accept all Reject all', 'dialog')],
        [button('#a', 'Accept all'), button('#r', 'Reject all'), button('#more', 'Read more', 0, 'link')],
      ),
      keywords,
    );
    expect(result.found).toBe(true);
    expect(result.dialog?.selector).toBe('#banner');
    expect(result.accept).toMatchObject({ selector: '#a', kind: 'accept' });
    expect(result.reject).toMatchObject({ selector: '#r', kind: 'reject' });
    expect(result.accept!.confidence).toBeGreaterThanOrEqual(CONFIDENCE_THRESHOLD);
  });

  it('finds a Chinese banner and tells 不同意 (reject) from 同意 (accept)', () => {
    const result = scoreConsent(
      snapshot(
        [banner('我们会收集您的个人信息用于统计分析。请阅读隐私政策。')],
        [button('#no', '不同意'), button('#yes', '同意'), button('#p', '隐私政策', 0, 'link')],
      ),
      keywords,
    );
    expect(result).toMatchObject({ found: true, accept: { selector: '#yes' }, reject: { selector: '#no' } });
  });

  it('finds a German dialog with a settings control and no reject', () => {
    const result = scoreConsent(
      snapshot(
        [banner('Wir verwenden Cookies. Datenschutz', 'overlay')],
        [button('#ok', 'Alle akzeptieren'), button('#set', 'Einstellungen')],
      ),
      keywords,
    );
    expect(result.found).toBe(true);
    expect(result.reject).toBeUndefined();
    expect(result.settings?.selector).toBe('#set');
  });

  it('finds a French and a Spanish banner', () => {
    for (const [notice, accept, reject] of [
      ['Ce site utilise des cookies et traceurs.', 'Tout accepter', 'Tout refuser'],
      ['Usamos cookies para mejorar tu experiencia. Privacidad', 'Aceptar todo', 'Rechazar todo'],
    ] as const) {
      const result = scoreConsent(snapshot([banner(notice)], [button('#a', accept), button('#r', reject)]), keywords);
      expect([notice, result.found, result.accept?.selector, result.reject?.selector]).toEqual([notice, true, '#a', '#r']);
    }
  });

  it('stays quiet on a page with no consent dialog (negative control)', () => {
    const result = scoreConsent(
      snapshot(
        [banner('Top stories Menu', 'banner')],
        [button('#menu', 'Menu'), button('#login', 'Sign in'), button('#art', 'Read the article', null, 'link')],
      ),
      keywords,
    );
    expect(result.found).toBe(false);
    expect(result.accept).toBeUndefined();
  });

  it('does not take an "OK" in a dialog that says nothing about consent (negative control)', () => {
    const result = scoreConsent(snapshot([banner('Your article was saved.', 'dialog')], [button('#ok', 'OK')]), keywords);
    expect(result.found).toBe(false);
    expect(result.candidates).toContainEqual(expect.objectContaining({ role: 'accept', selector: '#ok' }));
    expect(result.candidates.find((candidate) => candidate.selector === '#ok')!.score).toBeLessThan(CONFIDENCE_THRESHOLD);
  });

  it('does not take an accept button outside any dialog or banner (negative control)', () => {
    const result = scoreConsent(snapshot([], [button('#agree', 'I agree', null)]), keywords);
    expect(result.found).toBe(false);
    expect(result.candidates[0]).toMatchObject({ role: 'accept', selector: '#agree' });
  });

  it('scores long texts below short ones', () => {
    const result = scoreConsent(
      snapshot(
        [banner('cookies', 'dialog')],
        [button('#short', 'Accept'), button('#long', 'Accept the terms of the newsletter and all the offers from partners')],
      ),
      keywords,
    );
    const score = (selector: string) => result.candidates.find((candidate) => candidate.selector === selector)!.score;
    expect(score('#short')).toBeGreaterThan(score('#long'));
    expect(result.accept?.selector).toBe('#short');
  });
});
