// hooks/useWebSocket.js
import { useState, useEffect, useRef, useCallback } from 'react';

export function useWebSocket(conversationId, token) {
  const [messages, setMessages] = useState([]);
  const [typingUsers, setTypingUsers] = useState({});
  const [connectionStatus, setConnectionStatus] = useState('disconnected');
  const socketRef = useRef(null);
  const [retryCount, setRetryCount] = useState(0);
  const maxRetries = 5;
  
  // Connect to WebSocket
  useEffect(() => {
    if (!conversationId || !token) return;
    
    const wsUrl = `${process.env.NEXT_PUBLIC_WS_BASE_URL}/ws/chat/${conversationId}/?token=${token}`;
    const socket = new WebSocket(wsUrl);
    
    socket.onopen = () => {
      setConnectionStatus('connected');
      setRetryCount(0); // Reset retry count on successful connection
      console.log('WebSocket connected');
    };
    
    socket.onmessage = (event) => {
      const data = JSON.parse(event.data);
      
      switch (data.type) {
        case 'chat_message':
          setMessages((prev) => [...prev, data]);
          break;
          
        case 'typing_indicator':
          setTypingUsers((prev) => ({
            ...prev,
            [data.user_id]: data.is_typing ? data.username : null
          }));
          break;
          
        case 'read_receipt':
          setMessages((prev) => 
            prev.map(msg => 
              msg.message_id === data.message_id 
                ? { ...msg, read_by: [...(msg.read_by || []), data.user_id] }
                : msg
            )
          );
          break;
          
        case 'message_edited':
          setMessages((prev) => 
            prev.map(msg => 
              msg.message_id === data.message_id 
                ? { ...msg, content: data.content, is_edited: true }
                : msg
            )
          );
          break;
      }
    };
    
    socket.onclose = () => {
      setConnectionStatus('disconnected');
      console.log('WebSocket disconnected');
    };
    
    socket.onerror = (error) => {
      console.error('WebSocket error:', error);
      setConnectionStatus('error');
    };
    
    socketRef.current = socket;
    
    // Cleanup on unmount
    return () => {
      socket.close();
    };
  }, [conversationId, token, retryCount]);
  
  // Reconnection logic
  useEffect(() => {
    if (connectionStatus === 'disconnected' && retryCount < maxRetries) {
      const timer = setTimeout(() => {
        console.log(`Attempting to reconnect (${retryCount + 1}/${maxRetries})...`);
        setRetryCount(prev => prev + 1);
      }, 3000 * (retryCount + 1)); // Exponential backoff
      
      return () => clearTimeout(timer);
    }
  }, [connectionStatus, retryCount, maxRetries]);
  
  // Send message
  const sendMessage = useCallback((content) => {
    if (socketRef.current?.readyState === WebSocket.OPEN) {
      socketRef.current.send(JSON.stringify({
        type: 'chat_message',
        content
      }));
      return true;
    }
    return false;
  }, []);
  
  // Send typing indicator
  const sendTypingIndicator = useCallback((isTyping) => {
    if (socketRef.current?.readyState === WebSocket.OPEN) {
      socketRef.current.send(JSON.stringify({
        type: 'typing_indicator',
        is_typing: isTyping
      }));
    }
  }, []);
  
  // Send read receipt
  const sendReadReceipt = useCallback((messageId) => {
    if (socketRef.current?.readyState === WebSocket.OPEN) {
      socketRef.current.send(JSON.stringify({
        type: 'read_receipt',
        message_id: messageId
      }));
    }
  }, []);
  
  return {
    messages,
    typingUsers,
    connectionStatus,
    sendMessage,
    sendTypingIndicator,
    sendReadReceipt
  };
}
