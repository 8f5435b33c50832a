"""On Track serving: the API and web page that give practitioners ranked family lists, securely."""
