"""Perheneuvo action server package: one module per family of actions (contact_actions,
safety_actions, fallback_actions) and responses (rendering domain texts). The knowledge they
look things up in is the knowledge_base package.
"""
