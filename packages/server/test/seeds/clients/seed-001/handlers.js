// Seed 001's two WebSocket handlers, verbatim (frontend/src/components/chat/Sidebar.jsx and
// ChatWindow.jsx). In the seed they are closures inside React components; here each is inside a
// function that hands it the same names the component gave it (user, loadConversations,
// selectedChat, onMessageSent, setMessages, messagesEndRef, and the browser's Notification).
// The sockets they listen to are the seed's per-user socket (carechat: /ws/chat/?token=…).

export function sidebarHandler({ user, loadConversations, Notification }) {
  const handleWebSocketMessage = (data) => {
    console.log('Sidebar: WebSocket message received:', data);
    
    // Handle conversation refresh notifications
    if (data.type === 'conversation_refresh') {
      console.log('Sidebar: New conversation detected, refreshing conversations');
      console.log('Sidebar: Refresh data:', data);
      
      // Show notification for new conversation
      if (Notification.permission === 'granted') {
        const senderName = data.sender_full_name || data.sender || 'Someone';
        new Notification(`New conversation from ${senderName}`, {
          body: 'You have a new conversation!',
          icon: '/vite.svg',
          tag: `conversation-${data.sender}`,
          requireInteraction: false
        });
      }
      
      // Refresh conversations list immediately
      loadConversations();
      return;
    }
    
    // Check if this message is for the current user (as receiver)
    const isMessageForCurrentUser = data.receiver === user.username;
    const isMessageFromCurrentUser = data.sender === user.username;
    
    // Handle new messages for current user
    if (isMessageForCurrentUser && !isMessageFromCurrentUser) {
      console.log('Sidebar: New message for current user detected');
      console.log('Sidebar: Message data:', data);
      
      // Show browser notification if permission granted and not in current conversation
      if (Notification.permission === 'granted') {
        const senderName = data.sender_full_name || data.sender || 'Someone';
        new Notification(`New message from ${senderName}`, {
          body: data.message,
          icon: '/vite.svg',
          tag: `message-${data.sender}`,
          requireInteraction: false
        });
      }
      
      // Refresh conversations list to show updated last message and unread count
      loadConversations();
    }
    
    // Handle sent messages (for sender confirmation)
    if (isMessageFromCurrentUser && data.type === 'message_sent') {
      console.log('Sidebar: Message sent confirmation received');
      console.log('Sidebar: Sent message data:', data);
      
      // Refresh conversations list to show the sent message
      loadConversations();
    }
  };
  return handleWebSocketMessage;
}

export function chatWindowHandler({ user, selectedChat, onMessageSent, setMessages, messagesEndRef }) {
  const handleWebSocketMessage = (data) => {
    console.log('ChatWindow: WebSocket message received:', data);
    
    // Handle conversation refresh notifications
    if (data.type === 'conversation_refresh') {
      console.log('ChatWindow: New conversation detected, refreshing conversations');
      console.log('ChatWindow: Refresh data:', data);
      if (onMessageSent) {
        onMessageSent(null); // Pass null to indicate refresh needed
      }
      return;
    }
    
    // Check if this message is for the current conversation
    const isMessageForCurrentConversation = selectedChat && 
      data.conversation_id && 
      data.conversation_id.toString() === selectedChat.id.toString();
    
    const isMessageForCurrentUser = data.receiver === user.username;
    const isMessageFromCurrentUser = data.sender === user.username;
    
    // Handle new messages in current conversation
    if (isMessageForCurrentConversation && isMessageForCurrentUser && !isMessageFromCurrentUser) {
      console.log('ChatWindow: New message in current conversation');
      console.log('ChatWindow: Message data:', data);
      
      // Add the new message to the messages list
      const newMessage = {
        id: data.message_id || `temp_${Date.now()}`,
        content: data.message,
        sender: data.sender,
        sender_username: data.sender,
        sender_full_name: data.sender_full_name || data.sender,
        timestamp: data.timestamp ? new Date(data.timestamp * 1000).toISOString() : new Date().toISOString(),
        is_read: false
      };
      
      setMessages(prevMessages => [...prevMessages, newMessage]);
      
      // Scroll to bottom to show new message
      setTimeout(() => {
        if (messagesEndRef.current) {
          messagesEndRef.current.scrollIntoView({ behavior: 'smooth' });
        }
      }, 100);
    }
    
    // Handle sent message confirmation
    if (isMessageFromCurrentUser && data.type === 'message_sent') {
      console.log('ChatWindow: Message sent confirmation received');
      console.log('ChatWindow: Sent message data:', data);
      
      // Update the last sent message if it's a temporary one
      setMessages(prevMessages => {
        const updatedMessages = [...prevMessages];
        const lastMessage = updatedMessages[updatedMessages.length - 1];
        
        if (lastMessage && lastMessage.id.toString().startsWith('temp_')) {
          lastMessage.id = data.message_id || lastMessage.id;
          lastMessage.timestamp = data.timestamp ? new Date(data.timestamp * 1000).toISOString() : lastMessage.timestamp;
        }
        
        return updatedMessages;
      });
    }
  };
  return handleWebSocketMessage;
}
