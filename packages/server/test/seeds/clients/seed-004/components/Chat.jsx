// components/Chat.jsx
import { useState, useEffect, useRef } from 'react';
import { useConversation } from '../hooks/useConversation';
import { useAuth } from '../hooks/useAuth';

export default function Chat({ conversationId }) {
  const { user } = useAuth();
  const [newMessage, setNewMessage] = useState('');
  const [isTyping, setIsTyping] = useState(false);
  const typingTimeoutRef = useRef(null);
  const messagesEndRef = useRef(null);
  
  const {
    messages,
    typingUsers,
    connectionStatus,
    isLoading,
    sendMessage,
    sendTypingIndicator,
    sendReadReceipt
  } = useConversation(conversationId);
  
  // Auto-scroll to bottom when new messages arrive
  useEffect(() => {
    messagesEndRef.current?.scrollIntoView({ behavior: 'smooth' });
  }, [messages]);
  
  // Mark messages as read when they appear
  useEffect(() => {
    messages.forEach(msg => {
      if (msg.sender_id !== user.id && !msg.read_by?.includes(user.id)) {
        sendReadReceipt(msg.message_id);
      }
    });
  }, [messages, sendReadReceipt, user.id]);
  
  // Handle typing indicator
  const handleTyping = (e) => {
    setNewMessage(e.target.value);
    
    if (!isTyping) {
      setIsTyping(true);
      sendTypingIndicator(true);
    }
    
    // Reset typing timeout
    if (typingTimeoutRef.current) {
      clearTimeout(typingTimeoutRef.current);
    }
    
    typingTimeoutRef.current = setTimeout(() => {
      setIsTyping(false);
      sendTypingIndicator(false);
    }, 3000);
  };
  
  // Handle send message
  const handleSendMessage = () => {
    if (newMessage.trim() && connectionStatus === 'connected') {
      sendMessage(newMessage.trim());
      setNewMessage('');
      
      // Clear typing indicator
      setIsTyping(false);
      sendTypingIndicator(false);
      if (typingTimeoutRef.current) {
        clearTimeout(typingTimeoutRef.current);
      }
    }
  };
  
  // Get active typing users
  const getTypingIndicator = () => {
    const typingUsernames = Object.values(typingUsers).filter(Boolean);
    
    if (typingUsernames.length === 0) {
      return null;
    } else if (typingUsernames.length === 1) {
      return `${typingUsernames[0]} is typing...`;
    } else {
      return `${typingUsernames.join(', ')} are typing...`;
    }
  };
  
  if (isLoading) return <div>Loading conversation...</div>;
  
  return (
    <div className="chat-container">
      <div className={`status-indicator ${connectionStatus}`}>
        {connectionStatus === 'connected' ? 'Connected' : 'Reconnecting...'}
      </div>
      
      <div className="messages-container">
        {messages.map((msg) => (
          <div 
            key={msg.message_id} 
            className={`message ${msg.sender_id === user.id ? 'sent' : 'received'}`}
          >
            <div className="message-header">
              <span className="sender">{msg.sender_name}</span>
              <span className="timestamp">{new Date(msg.timestamp).toLocaleTimeString()}</span>
            </div>
            <div className="message-content">{msg.content}</div>
            {msg.is_edited && <span className="edited-indicator">(edited)</span>}
            {msg.read_by?.includes(user.id) && <span className="read-indicator">Read</span>}
          </div>
        ))}
        <div ref={messagesEndRef} />
      </div>
      
      {getTypingIndicator() && (
        <div className="typing-indicator">{getTypingIndicator()}</div>
      )}
      
      <div className="message-input">
        <input
          type="text"
          value={newMessage}
          onChange={handleTyping}
          onKeyPress={(e) => e.key === 'Enter' && handleSendMessage()}
          placeholder="Type a message..."
          disabled={connectionStatus !== 'connected'}
        />
        <button 
          onClick={handleSendMessage}
          disabled={connectionStatus !== 'connected' || !newMessage.trim()}
        >
          Send
        </button>
      </div>
    </div>
  );
}
