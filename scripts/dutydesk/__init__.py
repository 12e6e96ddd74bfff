"""dutydesk: a GitHub-native operations toolkit driven by one policy.yaml."""

__version__ = "0.1.0"
