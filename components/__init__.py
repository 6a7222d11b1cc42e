"""Custom Rasa NLU components for Finnish: lemmatising tokenizer, knowledge-base entities, guards."""
