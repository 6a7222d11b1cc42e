"""Perheneuvo action server package.

Modules: finnish (text helpers), places (municipality recognition), knowledge_base
(the staff-edited YAML knowledge base), responses (rendering domain texts), and one
module per family of actions: contact_actions, safety_actions, fallback_actions.
"""
