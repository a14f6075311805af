// The README's first example, as seed 004 shows it (only the '@/hooks' alias resolved).
import { useState, useEffect, useRef } from 'react';
import { useAuth } from '../hooks/useAuth'; // Your authentication hook

const ChatComponent = ({ conversationId }) => {
  const [messages, setMessages] = useState([]);
  const [newMessage, setNewMessage] = useState('');
  const [isTyping, setIsTyping] = useState(false);
  const [typingUsers, setTypingUsers] = useState({});
  const socketRef = useRef(null);
  const { accessToken } = useAuth();
  
  useEffect(() => {
    // Connect to WebSocket with authentication token
    const socketUrl = `${process.env.NEXT_PUBLIC_WS_BASE_URL}/ws/chat/${conversationId}/?token=${accessToken}`;
    socketRef.current = new WebSocket(socketUrl);
    
    // Handle connection open
    socketRef.current.onopen = () => {
      console.log('WebSocket connection established');
    };
    
    // Handle incoming messages
    socketRef.current.onmessage = (event) => {
      const data = JSON.parse(event.data);
      
      switch (data.type) {
        case 'chat_message':
          setMessages((prevMessages) => [...prevMessages, data]);
          // Send read receipt
          sendReadReceipt(data.message_id);
          break;
          
        case 'typing_indicator':
          setTypingUsers((prevTypingUsers) => ({
            ...prevTypingUsers,
            [data.user_id]: data.is_typing ? data.username : null
          }));
          break;
          
        case 'read_receipt':
          // Update read status for messages
          setMessages((prevMessages) => 
            prevMessages.map(msg => 
              msg.message_id === data.message_id 
                ? { ...msg, read_by: [...(msg.read_by || []), data.user_id] }
                : msg
            )
          );
          break;
          
        case 'message_edited':
          // Update edited message
          setMessages((prevMessages) => 
            prevMessages.map(msg => 
              msg.message_id === data.message_id 
                ? { ...msg, content: data.content, is_edited: true }
                : msg
            )
          );
          break;
          
        case 'user_status':
          // Handle user online/offline status
          console.log(`User ${data.username} is ${data.status}`);
          break;
      }
    };
    
    // Handle connection close
    socketRef.current.onclose = () => {
      console.log('WebSocket connection closed');
    };
    
    // Clean up on unmount
    return () => {
      if (socketRef.current) {
        socketRef.current.close();
      }
    };
  }, [conversationId, accessToken]);
  
  // Send a new message
  const sendMessage = () => {
    if (newMessage.trim() && socketRef.current) {
      const messageData = {
        type: 'chat_message',
        content: newMessage.trim(),
        attachments: null
      };
      
      socketRef.current.send(JSON.stringify(messageData));
      setNewMessage('');
    }
  };
  
  // Send typing indicator
  const handleTyping = (e) => {
    setNewMessage(e.target.value);
    
    if (!isTyping) {
      setIsTyping(true);
      sendTypingIndicator(true);
      
      // Reset typing indicator after 3 seconds of inactivity
      setTimeout(() => {
        setIsTyping(false);
        sendTypingIndicator(false);
      }, 3000);
    }
  };
  
  // Send typing indicator to server
  const sendTypingIndicator = (isTyping) => {
    if (socketRef.current) {
      const typingData = {
        type: 'typing_indicator',
        is_typing: isTyping
      };
      
      socketRef.current.send(JSON.stringify(typingData));
    }
  };
  
  // Send read receipt to server
  const sendReadReceipt = (messageId) => {
    if (socketRef.current) {
      const receiptData = {
        type: 'read_receipt',
        message_id: messageId
      };
      
      socketRef.current.send(JSON.stringify(receiptData));
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
  
  return (
    <div className="chat-container">
      <div className="messages-container">
        {messages.map((msg) => (
          <div key={msg.message_id} className="message">
            <div className="message-header">
              <span className="sender">{msg.sender_name}</span>
              <span className="timestamp">{new Date(msg.timestamp).toLocaleTimeString()}</span>
            </div>
            <div className="message-content">{msg.content}</div>
            {msg.is_edited && <span className="edited-indicator">(edited)</span>}
          </div>
        ))}
      </div>
      
      {getTypingIndicator() && (
        <div className="typing-indicator">{getTypingIndicator()}</div>
      )}
      
      <div className="message-input">
        <input
          type="text"
          value={newMessage}
          onChange={handleTyping}
          placeholder="Type a message..."
        />
        <button onClick={sendMessage}>Send</button>
      </div>
    </div>
  );
};

export default ChatComponent;
