"""Rendering items into platform-sized posts: templates, fitting, thread splitting."""
