"""Dead letters for staff: listed from the state store, replayed through today's rules, or discarded."""
