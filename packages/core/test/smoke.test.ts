import { expect, test } from 'vitest';
import * as core from '@auditledge/core';
test('loads', () => { expect(core).toBeTypeOf('object'); });
