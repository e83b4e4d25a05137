"""Evidence that leaves the chat: files built from the flows' plain data (issue 10)."""
