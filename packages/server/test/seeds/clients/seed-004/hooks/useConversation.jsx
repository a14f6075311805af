// hooks/useConversation.js
// The one line added to seed 004's code: it calls React.useMemo without importing React.
import React from 'react';
import useSWR from 'swr';
import { useWebSocket } from './useWebSocket';
import { useAuth } from './useAuth';

export function useConversation(conversationId) {
  const { token } = useAuth();
  
  // Fetch conversation history with SWR
  const { data: historyData, error, mutate } = useSWR(
    conversationId ? `/api/conversations/${conversationId}/messages` : null,
    async (url) => {
      const res = await fetch(url, {
        headers: { Authorization: `Bearer ${token}` }
      });
      if (!res.ok) throw new Error('Failed to fetch messages');
      return res.json();
    }
  );
  
  // Connect to WebSocket for real-time updates
  const {
    messages: wsMessages,
    typingUsers,
    connectionStatus,
    sendMessage,
    sendTypingIndicator,
    sendReadReceipt
  } = useWebSocket(conversationId, token);
  
  // Combine historical messages with real-time messages
  const allMessages = React.useMemo(() => {
    if (!historyData) return wsMessages;
    
    const historicalMessages = historyData.results || [];
    
    // Merge and deduplicate messages
    const messageMap = new Map();
    
    [...historicalMessages, ...wsMessages].forEach(msg => {
      messageMap.set(msg.message_id, msg);
    });
    
    return Array.from(messageMap.values()).sort(
      (a, b) => new Date(a.created_at) - new Date(b.created_at)
    );
  }, [historyData, wsMessages]);
  
  return {
    messages: allMessages,
    typingUsers,
    connectionStatus,
    isLoading: !error && !historyData,
    isError: !!error,
    sendMessage,
    sendTypingIndicator,
    sendReadReceipt,
    refreshMessages: mutate
  };
}
