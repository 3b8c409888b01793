"""The only code that knows both the wire (messages) and the domain."""
