"""Custom Rasa NLU components for Finnish: lemmatising tokenizer, knowledge-base entities,
the intent and topic classifier, guards."""
