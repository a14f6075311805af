// Seed 003's client side, as its "Socket.IO Events" section shows it: the events it emits and the
// handlers it registers. The seed does not show its io() call; the one line a migrated client
// changes is that call, which now passes the carechat token its server minted (docs/migration.md):
//   const socket = io(SERVER_URL);                      // before
//   const socket = io(SERVER_URL, { auth: { token } }); // after
// Everything below is the seed's code; `show` is where its handlers' comments stand.
export function consultationClient(io, SERVER_URL, token, options = {}) {
  const show = { new_message: [], doctor_ready: [], error: [], user_joined: [], user_left: [] };

  const socket = io(SERVER_URL, { auth: { token }, forceNew: true, ...options });

  // New message broadcast
  socket.on('new_message', (data) => {
    // data: { messageId, consultationId, sender, content, sentAt, user, doctor }
    show.new_message.push(data);
  });

  // Doctor availability notification
  socket.on('doctor_ready', (data) => {
    // data: { consultationId, doctorId, message: "Doctor is now available" }
    show.doctor_ready.push(data);
  });

  // Error notifications
  socket.on('error', (data) => {
    // data: { message: "Error reason" }
    show.error.push(data);
  });

  // User room events
  socket.on('user_joined', (data) => { show.user_joined.push(data); });
  socket.on('user_left', (data) => { show.user_left.push(data); });

  return {
    socket,
    show,
    // Join consultation room
    join(consultationId) {
      socket.emit('join_consultation', consultationId);
    },
    // Send message with validation
    send(consultationId, sender, content) {
      socket.emit('send_message', {
        consultationId,
        sender, // or 'doctor'
        content,
      });
    },
    // Leave consultation room
    leave(consultationId) {
      socket.emit('leave_consultation', consultationId);
    },
  };
}
