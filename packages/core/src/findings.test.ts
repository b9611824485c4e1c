import { describe, expect, it } from 'vitest';
import { dataCategories, dataCategoryInfo, findingRole, identifierCategories } from './findings.js';

describe('finding roles', () => {
  it('declares a kind for every category and keeps identifiers apart from other personal data', () => {
    for (const category of dataCategories) expect(['identifier', 'personal-data']).toContain(dataCategoryInfo(category).kind);
    expect(identifierCategories).toEqual(['device-id.hardware', 'device-id.resettable', 'device-id.app-scoped', 'account-id']);
    expect(findingRole('location.precise')).toBe('personal-data');
    expect(findingRole('app-list', 'user_id')).toBe('personal-data');
  });

  it('treats a contact detail under a user-id key as an identifier, and one typed into a form as personal data', () => {
    for (const key of ['user_id', 'userId', '$user_id', 'distinct_id', 'uid', 'id']) {
      expect(findingRole('contact.email', key), key).toBe('identifier');
    }
    for (const key of ['email', 'phone', 'form.email', 'text', 'valid']) {
      expect(findingRole('contact.email', key), key).toBe('personal-data');
    }
  });
});
