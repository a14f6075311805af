import type { Migration } from 'kysely';
import { initial } from './0001-initial.js';
import { careRelationships } from './0002-care-relationships.js';
import { liveFeatures } from './0003-live-features.js';
import { security } from './0004-security.js';
import { careTeamsAndBlocks } from './0005-care-teams-and-blocks.js';
import { accountStatus } from './0006-account-status.js';
import { attachmentDeletion } from './0007-attachment-deletion.js';
import { attachmentBytes } from './0008-attachment-bytes.js';
import { notifications } from './0009-notifications.js';
import { practices } from './0010-practices.js';
import { signInLinks } from './0011-sign-in-links.js';
import { deliveryCursors } from './0012-delivery-cursors.js';
import { doctorReadyDelivery } from './0013-doctor-ready-delivery.js';
import { signupConfirmations } from './0014-signup-confirmations.js';
import { searchIndexAfterTheCommit } from './0015-search-index-after-the-commit.js';

/** Every migration, in order. One set serves both dialects. Never edit a shipped migration: add one. */
export const migrations: Record<string, Migration> = {
  '0001-initial': initial,
  '0002-care-relationships': careRelationships,
  '0003-live-features': liveFeatures,
  '0004-security': security,
  '0005-care-teams-and-blocks': careTeamsAndBlocks,
  '0006-account-status': accountStatus,
  '0007-attachment-deletion': attachmentDeletion,
  '0008-attachment-bytes': attachmentBytes,
  '0009-notifications': notifications,
  '0010-practices': practices,
  '0011-sign-in-links': signInLinks,
  '0012-delivery-cursors': deliveryCursors,
  '0013-doctor-ready-delivery': doctorReadyDelivery,
  '0014-signup-confirmations': signupConfirmations,
  '0015-search-index-after-the-commit': searchIndexAfterTheCommit,
};
