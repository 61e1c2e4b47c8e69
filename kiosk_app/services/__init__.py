"""Services: the kiosk's behaviour, with no Qt, talking to drivers through drivers.base."""
