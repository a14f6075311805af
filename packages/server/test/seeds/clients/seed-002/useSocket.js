// Seed 002's src/hooks/useSocket.ts, as far as the seed describes it: "a comprehensive useSocket
// hook with all chat functionality" — connect to NEXT_PUBLIC_SOCKET_URL, joinConversation /
// leaveConversation (the seed's effect below calls them), create_conversation with a
// targetUserId, typing, delivery and read confirmation, online status. The seed shows the effect
// and the server's create_conversation handler, not the hook's body; this is that hook without
// React state (each event is kept in `events`), with the event names docs/migration.md lists.
//
// The one line a migrated client changes is its io() call: the seed's server took a bare user id
// ("Socket connections require valid user ID"); carechat takes the token the host's server
// minted for the signed-in user:
//   const socket = io(process.env.NEXT_PUBLIC_SOCKET_URL, { auth: { userId } });  // before
//   const socket = io(process.env.NEXT_PUBLIC_SOCKET_URL, { auth: { token } });   // after
export function useSocket(io, url, auth, options = {}) {
  const events = [];
  const socket = io(url, { auth, transports: ['websocket', 'polling'], forceNew: true, ...options });
  for (const name of [
    'new_message',
    'conversation_created',
    'typing_indicator',
    'read_receipt',
    'delivery_receipt',
    'user_status',
    'user_joined',
    'user_left',
    'error',
  ]) {
    socket.on(name, (data) => events.push({ name, data }));
  }
  const call = (name, payload) => socket.timeout(5000).emitWithAck(name, payload);
  return {
    socket,
    events,
    createConversation: (targetUserId) => call('create_conversation', { targetUserId }),
    joinConversation: (conversationId) => call('join_conversation', conversationId),
    leaveConversation: (conversationId) => call('leave_conversation', conversationId),
    sendMessage: (conversationId, content) => call('send_message', { conversationId, content }),
    startTyping: (conversationId) => call('typing_start', { conversationId }),
    stopTyping: (conversationId) => call('typing_stop', { conversationId }),
    markAsDelivered: (conversationId, messageId) => call('mark_as_delivered', { conversationId, messageId }),
    markAsRead: (conversationId, messageId) => call('mark_as_read', { conversationId, messageId }),
  };
}

// The seed's effect, verbatim but for React: join the selected conversation while connected,
// leave it when the selection changes.
export function selectConversation(api, previous, selectedConversationId) {
  const steps = [];
  if (previous) steps.push(api.leaveConversation(previous));
  if (selectedConversationId && api.socket && api.socket.connected) {
    steps.push(api.joinConversation(selectedConversationId));
  }
  return Promise.all(steps);
}
