import { test } from 'node:test';
import assert from 'node:assert/strict';
import { declaredOperations } from '../../../src/http/cloudmap/authorize.js';
import { DiscoverEncoder, discoverOperations } from '../../../src/http/cloudmap/discover.js';
import { instanceOperations } from '../../../src/http/cloudmap/instances.js';
import { namespaceOperations } from '../../../src/http/cloudmap/namespaces.js';
import { serviceOperations } from '../../../src/http/cloudmap/services.js';
import { tagOperations } from '../../../src/http/cloudmap/tags.js';

test('every Cloud Map operation declares the rights it needs (none falls back to management only)', () => {
  const served = Object.keys({ ...namespaceOperations, ...serviceOperations, ...instanceOperations, ...discoverOperations(new DiscoverEncoder()), ...tagOperations }).sort();
  assert.equal(served.length, 30);
  assert.deepEqual(declaredOperations(), served);
});
