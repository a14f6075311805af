import { AttachmentService } from './attachments.js';
import type { AuditLog } from './audit.js';
import { AuditQueries } from './audit-queries.js';
import { AuthService } from './auth.js';
import { AppointmentService } from './care/appointments.js';
import { BlockService } from './care/blocks.js';
import { ConsultationService } from './care/consultations.js';
import { ContactService } from './care/contacts.js';
import { createPolicy, type PolicyName } from './care/create-policy.js';
import { DoctorReadyNotifier } from './care/doctor-ready.js';
import { HostPlatformService } from './care/host-platform.js';
import { MembershipService } from './care/membership.js';
import { PatientContextService } from './care/patient-context.js';
import { PracticeBookings } from './care/practice-bookings.js';
import { PracticeService } from './care/practices.js';
import { ReplyExpectations } from './care/reply-expectations.js';
import { SavedReplies } from './care/saved-replies.js';
import { ScheduleService } from './care/schedules.js';
import { TeamInbox } from './care/team-inbox.js';
import type { ConnectionLifecycle } from './connection-lifecycle.js';
import { ConversationService } from './conversations.js';
import { DataRightsService } from './data-rights.js';
import { DeliveryCursorService } from './delivery-cursors.js';
import { MessageEventContext } from './event-context.js';
import { newId } from './ids.js';
import type { ConnectionLimiter } from './limits.js';
import { MessageViews } from './message-views.js';
import { MessageService } from './messages.js';
import type { MessagingPolicy } from './policy.js';
import type { AttachmentStorage } from './ports/attachment-storage.js';
import type { Bus } from './ports/bus.js';
import type { CareStore } from './ports/care-store.js';
import type { Clock } from './ports/clock.js';
import type { Mailer } from './ports/mailer.js';
import type { PracticeStore } from './ports/practice-store.js';
import type { SecurityStore } from './ports/security-store.js';
import type { Store } from './ports/store.js';
import { PractitionerApprovals } from './practitioner-approvals.js';
import { MemoryPresence, type Presence } from './presence.js';
import { PresenceService } from './presence-service.js';
import { ReactionService } from './reactions.js';
import { ReceiptService } from './receipts.js';
import { RememberedAccess } from './remembered-access.js';
import { RetentionService } from './retention.js';
import { RoomPresence } from './room-presence.js';
import { SearchService } from './search.js';
import { createSecurityParts, type SecuritySettings } from './security.js';
import { SendVerdicts } from './send-verdicts.js';
import type { SessionGuard } from './sessions.js';
import { SignInLinkService } from './sign-in-links.js';
import { SignupConfirmations } from './signup-confirmations.js';
import { AccessTokens } from './tokens.js';
import { TypingService } from './typing.js';
import { Usernames } from './usernames.js';
import { UserDirectory } from './users.js';

export interface CoreOptions {
  store: Store;
  bus: Bus;
  clock: Clock;
  jwtSecret: string;
  accessTokenTtlSeconds: number;
  sessionTtlDays: number;
  /** SIGN_IN_LINK_TTL_SECONDS (default 60). */
  signInLinkTtlSeconds?: number;
  /** SIGNUP_CONFIRMATION=email: sign-ups are confirmed by an email sent with this mailer. */
  signupConfirmation?: { mailer: Mailer; publicUrl: string };
  /** PRACTITIONER_SIGNUP: practitioners who sign up wait for approval (`pending`), or not, or cannot. */
  practitionerSignup: 'pending' | 'open' | 'off';
  maxMessageBytes: number;
  editWindowSeconds: number;
  typingTtlMs: number;
  presenceGraceMs: number;
  attachmentStorage: AttachmentStorage;
  attachmentMaxBytes: number;
  /** Care relationships' persistence (appointments, consultations, schedules, …). */
  care: CareStore;
  /** Practices (care teams) and their inbox (migration 0010). */
  practices: PracticeStore;
  /** MESSAGING_POLICY; ignored when `policy` is given. Defaults to `appointment`. */
  messagingPolicy?: PolicyName;
  /** How long a consultation stays open after its appointment ends. */
  consultationWindowHours: number;
  policy?: MessagingPolicy;
  presence?: Presence;
  onBackgroundError?: (error: unknown) => void;
  /** Audit trail, session families, throttles, settings (migration 0004). */
  security: SecurityStore;
  /** Idle logoff, limits, retention; defaults in core/security.ts (config.ts sets them). */
  securitySettings?: Partial<SecuritySettings>;
}

/** The framework-free core: every door calls these services and renders the events they emit. */
export interface Core {
  store: Store;
  bus: Bus;
  clock: Clock;
  users: UserDirectory;
  presence: Presence;
  auth: AuthService;
  conversations: ConversationService;
  messages: MessageService;
  receipts: ReceiptService;
  /** Per-session places of per-conversation sockets whose clients reconnect without resume. */
  deliveryCursors: DeliveryCursorService;
  reactions: ReactionService;
  typing: TypingService;
  /** "Is viewing": staff who have a conversation open, for their colleagues (issue 14). */
  viewing: TypingService;
  search: SearchService;
  attachments: AttachmentService;
  presenceService: PresenceService;
  /** Presence and typing clean-up as live connections come and go (the live layer calls it). */
  connectionLifecycle: ConnectionLifecycle;
  /** Completes message events for codecs (consultation, sender role); see core/event-context.ts. */
  eventContext: MessageEventContext;
  /** Usernames for clients that address people by one (seed 001): external id, else carechat id. */
  usernames: Usernames;
  care: CareStore;
  policy: MessagingPolicy;
  appointments: AppointmentService;
  consultations: ConsultationService;
  /** Who has a conversation's room open (the seeds' Socket.IO join / leave events). */
  rooms: RoomPresence;
  schedules: ScheduleService;
  contacts: ContactService;
  membership: MembershipService;
  /** Practices as admins manage them (issue 14). */
  practices: PracticeService;
  /** The team inbox: practice conversations and their triage. */
  teamInbox: TeamInbox;
  /** When a patient who wrote outside hours can expect a reply. */
  replyExpectations: ReplyExpectations;
  savedReplies: SavedReplies;
  /** The patient beside a practice conversation, for staff. */
  patientContext: PatientContextService;
  /** Staff book or cancel the patient's visits from beside the conversation. */
  practiceBookings: PracticeBookings;
  /** Patients' blocks of practitioners. */
  blocks: BlockService;
  doctorReady: DoctorReadyNotifier;
  hostPlatform: HostPlatformService;
  signInLinks: SignInLinkService;
  /** The append-only audit trail. */
  audit: AuditLog;
  auditQueries: AuditQueries;
  /** Admins approve or reject practitioners who signed up (PRACTITIONER_SIGNUP=pending). */
  practitionerApprovals: PractitionerApprovals;
  /** Whether sessions are live; revocation. */
  sessions: SessionGuard;
  /** Open sockets and event streams per user and address. */
  connections: ConnectionLimiter;
  dataRights: DataRightsService;
  retention: RetentionService;
  /** Stops timers (typing, presence grace) and the session guard's bus subscription. */
  close(): void;
}

export function createCore(o: CoreOptions): Core {
  const users = new UserDirectory(o.store);
  const presence = o.presence ?? new MemoryPresence();
  const care = o.care;
  const usernames = new Usernames({ care, users });
  const eventContext = new MessageEventContext({ care, users, usernames });
  // Every service publishes through this: message events leave the core with what codecs need.
  const bus = eventContext.publishingOn(o.bus);
  const security = createSecurityParts({
    store: o.security,
    bus,
    clock: o.clock,
    secret: o.jwtSecret,
    findUsers: (ids) => o.store.findUsersByIds(ids),
    settings: o.securitySettings,
    onError: o.onBackgroundError,
  });
  const audit = security.audit;
  // A role or status changed on some node: this node's cached copy of the user goes too.
  const stopForgetting = bus.subscribe((event) => {
    if (event.kind === 'user.access_changed') users.forget(event.userId);
  });
  // Its refusals are recorded in the audit trail by the actions that ask it (core/refusals.ts).
  // A steady conversation asks the policy once a second, not once a message (send-verdicts.ts).
  const policy = new SendVerdicts(
    o.policy ??
      createPolicy(o.messagingPolicy ?? 'appointment', {
        care,
        users,
        clock: o.clock,
        consultationWindowMs: o.consultationWindowHours * 3_600_000,
        practices: o.practices,
      }),
    { bus, clock: o.clock },
  );
  const tokens = new AccessTokens(o.jwtSecret, o.accessTokenTtlSeconds);
  const shared = { store: o.store, bus, clock: o.clock, users };
  const auth = new AuthService({
    ...shared,
    security: o.security,
    tokens,
    refreshTokens: security.refreshTokens,
    guard: security.guard,
    throttle: security.throttle,
    audit,
    sessionTtlDays: o.sessionTtlDays,
    refreshGraceMs: security.settings.refreshReuseGraceSeconds * 1000,
    practitionerSignup: o.practitionerSignup,
    signupLimit: security.signups,
    ...(o.signupConfirmation
      ? {
          confirmations: new SignupConfirmations({
            security: o.security,
            clock: o.clock,
            audit,
            mailer: o.signupConfirmation.mailer,
            publicUrl: o.signupConfirmation.publicUrl,
            findUserByEmail: (email) => o.store.findUserByEmail(email),
            ...(o.onBackgroundError ? { onError: o.onBackgroundError } : {}),
          }),
        }
      : {}),
  });
  const signInLinks = new SignInLinkService({
    security: o.security,
    clock: o.clock,
    auth,
    audit,
    ttlSeconds: o.signInLinkTtlSeconds ?? 60,
  });
  const conversations = new ConversationService({
    ...shared,
    presence,
    policy,
    audit,
    groupLimit: security.groupCreations,
    practices: o.practices,
  });
  const views = new MessageViews(o.store, users);
  // Who is in a conversation, remembered a second for the actions every message brings (a send,
  // each device's delivery receipt).
  const access = new RememberedAccess({ store: o.store, bus, clock: o.clock });
  const onError = o.onBackgroundError ? { onError: o.onBackgroundError } : {};
  const typing = new TypingService({ ...shared, ttlMs: o.typingTtlMs, ...onError });
  const viewing = new TypingService({ ...shared, ttlMs: o.typingTtlMs, ...onError, activity: 'viewing' });
  const messages = new MessageService({
    ...shared,
    views,
    policy,
    audit,
    sendLimit: security.sends,
    maxMessageBytes: o.maxMessageBytes,
    editWindowSeconds: o.editWindowSeconds,
    onSent: (message) => {
      typing
        .messageSent(message.sender_id, message.conversation_id)
        .catch((error: unknown) => o.onBackgroundError?.(error));
    },
    previewsFor: (userIds) => security.notifications.previewsFor(userIds),
    storage: o.attachmentStorage,
    access,
  });
  const presenceService = new PresenceService({
    ...shared,
    presence,
    graceMs: o.presenceGraceMs,
    ...onError,
  });
  const doctorReady = new DoctorReadyNotifier({
    care,
    bus,
    clock: o.clock,
    nodeId: newId('node'),
    ...onError,
  });
  const checkPractitioner = (practitionerId: string) => {
    doctorReady.check(practitionerId).catch((error: unknown) => o.onBackgroundError?.(error));
  };
  const connectionLifecycle: ConnectionLifecycle = {
    async connected(connection) {
      await presenceService.deviceConnected(connection.actor.userId);
      // A practitioner coming online inside a window is a reason to look now, not at the next tick.
      if (connection.actor.role === 'practitioner') checkPractitioner(connection.actor.userId);
    },
    async disconnected(connection) {
      await typing.connectionClosed(connection.id);
      await viewing.connectionClosed(connection.id);
      await presenceService.deviceDisconnected(connection.actor.userId);
    },
  };
  const appointments = new AppointmentService({
    store: o.store,
    care,
    bus,
    clock: o.clock,
    users,
    conversations,
    audit,
    consultationWindowMs: o.consultationWindowHours * 3_600_000,
    requestLimit: security.appointmentRequests,
  });
  const schedules = new ScheduleService({ care, users, changed: checkPractitioner });
  const attachments = new AttachmentService({
    store: o.store,
    clock: o.clock,
    storage: o.attachmentStorage,
    maxBytes: o.attachmentMaxBytes,
    audit,
    uploadLimit: security.uploads,
  });
  const rooms = new RoomPresence({ store: o.store, bus });
  const membership = new MembershipService({ ...shared, audit, policy, conversations });
  const practiceDeps = { ...shared, practices: o.practices, audit, conversations };
  return {
    ...shared,
    presence,
    auth,
    conversations,
    messages,
    receipts: new ReceiptService({ ...shared, access }),
    deliveryCursors: new DeliveryCursorService({ ...shared, sessionTtlDays: o.sessionTtlDays }),
    reactions: new ReactionService({ ...shared, policy, audit }),
    typing,
    viewing,
    search: new SearchService(o.store, views, audit),
    attachments,
    presenceService,
    connectionLifecycle,
    eventContext,
    usernames,
    care,
    policy,
    appointments,
    consultations: new ConsultationService({ store: o.store, care, messages, rooms }),
    rooms,
    schedules,
    contacts: new ContactService({ ...shared, care, policy, appointments }),
    membership,
    practices: new PracticeService({ ...practiceDeps, policy }),
    teamInbox: new TeamInbox({ ...practiceDeps, policy }),
    replyExpectations: new ReplyExpectations({ ...practiceDeps, care }),
    savedReplies: new SavedReplies({ ...practiceDeps, care }),
    patientContext: new PatientContextService({ ...practiceDeps, care, appointments }),
    practiceBookings: new PracticeBookings({ ...practiceDeps, care, appointments }),
    blocks: new BlockService({ store: o.store, care, clock: o.clock, users, audit, conversations }),
    doctorReady,
    signInLinks,
    hostPlatform: new HostPlatformService({
      store: o.store,
      care,
      audit,
      clock: o.clock,
      bus,
      users,
      auth,
      appointments,
      schedules,
      signInLinks,
    }),
    audit,
    auditQueries: new AuditQueries({ store: o.store, security: o.security, users, audit }),
    practitionerApprovals: new PractitionerApprovals({
      store: o.store,
      bus,
      users,
      guard: security.guard,
      audit,
    }),
    sessions: security.guard,
    connections: security.connections,
    dataRights: new DataRightsService({
      ...shared,
      security: o.security,
      conversations,
      views,
      notifications: security.notifications,
      guard: security.guard,
      audit,
    }),
    retention: new RetentionService({
      security: o.security,
      clock: o.clock,
      storage: o.attachmentStorage,
      audit,
      days: security.settings.retentionDays,
      ...(o.onBackgroundError ? { onError: o.onBackgroundError } : {}),
    }),
    close() {
      security.guard.close();
      stopForgetting();
      void audit.close();
      typing.close();
      viewing.close();
      presenceService.close();
    },
  };
}
